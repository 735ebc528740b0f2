"""services/entries.py: baseEntry / media get, update, list, count, multilingual fields, the playback
context and the delivery URLs a vendor fetches with a task's accessKey (progressive and HLS,
decoded by ffprobe/ffmpeg; ranges)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import (
    KalturaBaseEntry,
    KalturaMediaEntry,
    KalturaMultiLingualString,
    KalturaPlaybackContextOptions,
)

from tests.sandbox.conftest import CUSTOMER, Kit


def _tags(*pairs: tuple[str, str]) -> list[KalturaMultiLingualString]:
    return [KalturaMultiLingualString(language=language, value=value) for language, value in pairs]


def _read_multi(kit: Kit, entry_id: str) -> dict[str, Any]:
    """baseEntry.get with ``language=multi`` in JSON (format=1): the Python client has no reader for
    a multilingual array (it expects ``multiLingual_tags``; Kaltura sends the array as ``tags``)."""
    body = {"format": "1", "ks": kit.admin_ks(), "entryId": entry_id, "language": "multi"}
    return dict(httpx.post(kit.sandbox.url("/api_v3/service/baseentry/action/get"), json=body).json())


def test_multilingual_tags_are_written_with_language_multi_first_item_default(kit: Kit) -> None:
    vendor_side = kit.with_key(8001)  # the task's accessKey on 0_rfent001 (tags "lecture,week one")
    update = KalturaBaseEntry()
    update.multiLingual_tags = _tags(("es", "conferencia"))
    # the vendor guide's example without the request language: Kaltura refuses an array then
    with pytest.raises(KalturaException) as caught:
        vendor_side.baseEntry.update("0_rfent001", update)
    assert caught.value.code == "WRONG_REQUEST_LANGUAGE"
    vendor_side.setLanguage("ES")  # one language is not enough either
    with pytest.raises(KalturaException) as caught:
        vendor_side.baseEntry.update("0_rfent001", update)
    assert caught.value.code == "WRONG_REQUEST_LANGUAGE"
    assert caught.value.message == ' Language must be set to MULTI when adding MultiLingualString. Given ["ES"]'
    update.multiLingual_tags = _tags(("english", "x"))
    vendor_side.setLanguage("multi")
    with pytest.raises(KalturaException) as caught:
        vendor_side.baseEntry.update("0_rfent001", update)
    assert caught.value.code == "INVALID_LANGUAGE_CODE"

    # read first, append: the default language first (its value stays the plain tags), then Spanish
    before = kit.admin().baseEntry.get("0_rfent001")
    assert before.tags == "lecture,week one" and before.defaultLanguage == ""
    update.multiLingual_tags = _tags(("en", before.tags), ("es", "conferencia,semana uno"))
    vendor_side.media.update("0_rfent001", KalturaMediaEntry(multiLingual_tags=update.multiLingual_tags))
    admin = kit.admin()
    plain = admin.baseEntry.get("0_rfent001")
    assert (plain.tags, plain.defaultLanguage, plain.responseLanguage) == ("lecture,week one", "EN", "EN")
    admin.setLanguage("es")
    spanish = admin.baseEntry.get("0_rfent001")
    assert (spanish.tags, spanish.responseLanguage) == ("conferencia,semana uno", "ES")
    # multiLingualUtils::setRequestedLanguageStringInField: a mapped language shows '' where it has no value
    assert spanish.name == ""
    admin.setLanguage("fr")
    assert admin.baseEntry.get("0_rfent001").tags == "lecture,week one"  # an unmapped language: the default
    assert _read_multi(kit, "0_rfent001")["tags"] == [
        {"objectType": "KalturaMultiLingualString", "language": "EN", "value": "lecture,week one"},
        {"objectType": "KalturaMultiLingualString", "language": "ES", "value": "conferencia,semana uno"},
    ]
    # a language left out of the array is removed: append means sending what was read plus one more
    current = [(t["language"], t["value"]) for t in _read_multi(kit, "0_rfent001")["tags"]]
    update.multiLingual_tags = _tags(*current, ("fr", "cours"))
    vendor_side.baseEntry.update("0_rfent001", update)
    assert [t["language"] for t in _read_multi(kit, "0_rfent001")["tags"]] == ["EN", "ES", "FR"]
    update.multiLingual_tags = _tags(("en", "lecture,week one"), ("fr", "cours"))
    vendor_side.baseEntry.update("0_rfent001", update)
    assert [t["language"] for t in _read_multi(kit, "0_rfent001")["tags"]] == ["EN", "FR"]
    # a plain tags update still sets the default value only
    vendor_side.setLanguage("")
    vendor_side.baseEntry.update("0_rfent001", KalturaBaseEntry(tags="lecture,week one,intro"))
    admin.setLanguage("fr")
    assert admin.baseEntry.get("0_rfent001").tags == "cours"
    admin.setLanguage("")
    assert admin.baseEntry.get("0_rfent001").tags == "lecture,week one,intro"


def test_a_bad_request_language_is_refused_before_anything_else(kit: Kit) -> None:
    client = kit.admin(CUSTOMER)
    client.setLanguage("not a language")
    with pytest.raises(KalturaException) as caught:
        client.baseEntry.get("0_rfent001")
    assert caught.value.code == "INVALID_LANGUAGE_CODE"
    assert caught.value.message == ' Invalid language code ["not a language"]'


def test_count_is_the_lists_total(kit: Kit) -> None:
    from KalturaClient.Plugins.Core import KalturaBaseEntryFilter, KalturaMediaEntryFilter

    admin = kit.admin(CUSTOMER)
    assert admin.baseEntry.count() == admin.baseEntry.list().totalCount == 3
    assert admin.media.count(KalturaMediaEntryFilter(idIn="0_rfent001,0_rfent003")) == 2
    assert kit.with_key(8001).baseEntry.count(KalturaBaseEntryFilter()) == 1  # the accessKey sees its entry


def _context(kit: Kit, task_id: int, entry_id: str, streamer: str):  # type: ignore[no-untyped-def]
    key = kit.access_key(task_id)
    client = kit.client(key)
    return key, client.baseEntry.getPlaybackContext(
        entry_id, KalturaPlaybackContextOptions(streamerType=streamer, ks=key)
    )


def _entry_duration(kit: Kit, entry_id: str) -> float:
    return kit.admin().media.get(entry_id).msDuration / 1000.0


def test_playback_context_sources(kit: Kit) -> None:
    key, http = _context(kit, 8001, "0_rfent001", "http")
    assert type(http).__name__ == "KalturaPlaybackContext"
    assert http.sources and all(s.format == "url" for s in http.sources)
    assert all("/playManifest/entryId/0_rfent001/" in s.url and s.url.endswith((".mp4", ".m4a")) for s in http.sources)
    flavor_ids = {f.id for f in http.flavorAssets}
    assert {s.flavorIds for s in http.sources} <= flavor_ids
    _, hls = _context(kit, 8001, "0_rfent001", "applehttp")
    assert [s.format for s in hls.sources] == ["applehttp"]
    assert hls.sources[0].url.endswith("/format/applehttp/a.m3u8")
    assert set(hls.sources[0].flavorIds.split(",")) <= flavor_ids
    # an accessKey of another entry cannot ask for this one
    with pytest.raises(KalturaException) as caught:
        kit.client(key).baseEntry.getPlaybackContext("0_rfent003", KalturaPlaybackContextOptions(streamerType="http"))
    assert caught.value.code in ("ENTRY_ID_NOT_FOUND", "NO_PERMISSION_ON_ENTRY")


def test_progressive_download_equals_the_flavor_and_honours_ranges(kit: Kit) -> None:
    key, context = _context(kit, 8001, "0_rfent001", "http")
    source = context.sources[0]
    flavor = kit.sandbox.store.get("flavor_assets", source.flavorIds)
    expected = Path(flavor["_path"]).read_bytes()
    body = httpx.get(source.url, params={"ks": key})
    assert body.status_code == 200 and body.content == expected
    assert httpx.get(f"{source.url.rsplit('/name/', 1)[0]}/ks/{key}/name/a.mp4").content == expected
    part = httpx.get(source.url, params={"ks": key}, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == expected[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(expected)}"
    tail = httpx.get(source.url, params={"ks": key}, headers={"Range": f"bytes={len(expected) - 10}-"})
    assert tail.content == expected[-10:]
    assert httpx.get(source.url, params={"ks": key}, headers={"Range": f"bytes={len(expected)}-"}).status_code == 416
    # no KS, or a KS of another entry: refused
    assert httpx.get(source.url).status_code == 403
    assert httpx.get(source.url, params={"ks": kit.access_key(8002)}).status_code == 403


@pytest.mark.parametrize("entry_id,task_id", [("0_rfent001", 8001), ("0_rfent003", 8002)])
def test_hls_decodes_to_the_entry_duration(kit: Kit, entry_id: str, task_id: int) -> None:
    key, context = _context(kit, task_id, entry_id, "applehttp")
    url = f"{context.sources[0].url}?ks={key}"
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "json", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    kinds = {s["codec_type"] for s in json.loads(probe.stdout)["streams"]}
    assert "audio" in kinds
    decoded = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", url, "-map", "0:a:0", "-f", "wav", "-"], capture_output=True, timeout=60
    )
    assert decoded.returncode == 0, decoded.stderr[-300:]
    # 16-bit PCM: bytes / (rate * channels * 2)
    wav = decoded.stdout
    rate = int.from_bytes(wav[24:28], "little")
    channels = int.from_bytes(wav[22:24], "little")
    seconds = (len(wav) - 44) / (rate * channels * 2)
    assert abs(seconds - _entry_duration(kit, entry_id)) <= 0.5


def test_serve_flavor_needs_a_ks(kit: Kit) -> None:
    key, context = _context(kit, 8001, "0_rfent001", "applehttp")
    master = httpx.get(context.sources[0].url, params={"ks": key})
    assert master.status_code == 200 and master.text.startswith("#EXTM3U")
    variant = next(line for line in master.text.splitlines() if line.startswith("/p/"))
    assert httpx.get(kit.url + variant).status_code == 200
    without = variant.replace(f"/ks/{key}", "")
    assert httpx.get(kit.url + without).status_code == 403
    assert httpx.get(context.sources[0].url).status_code == 403


def test_base_entry_update_changes_only_the_fields_sent(kit: Kit) -> None:
    client = kit.with_key(8002)  # entry 0_rfent003
    before = client.baseEntry.get("0_rfent003")
    assert type(before).__name__ == "KalturaMediaEntry"
    update = KalturaBaseEntry()
    update.tags = "podcast,captions"
    after = client.baseEntry.update("0_rfent003", update)
    assert after.tags == "podcast,captions"
    assert after.name == before.name == "Podcast" and after.description == before.description
    update = KalturaBaseEntry()
    update.description = "Two speakers"
    after = client.baseEntry.update("0_rfent003", update)
    assert after.description == "Two speakers" and after.tags == "podcast,captions"
    media = client.media.get("0_rfent003")
    assert media.mediaType.getValue() == 5 and media.msDuration > 0 and media.description == "Two speakers"
    media_update = KalturaMediaEntry()
    media_update.name = "Podcast, episode 1"
    assert client.media.update("0_rfent003", media_update).name == "Podcast, episode 1"
    assert kit.admin(CUSTOMER).baseEntry.get("0_rfent003").tags == "podcast,captions"

"""Media access with a task's accessKey: playback context sources, progressive and HLS delivery
(decoded by ffprobe/ffmpeg), ranges, flavor assets, and entry reads/updates."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import (
    KalturaBaseEntry,
    KalturaFlavorAssetFilter,
    KalturaMediaEntry,
    KalturaPlaybackContextOptions,
)

from tests.sandbox.conftest import CUSTOMER, Kit


def _context(kit: Kit, task_id: int, entry_id: str, streamer: str):  # type: ignore[no-untyped-def]
    key = kit.access_key(task_id)
    client = kit.client(key)
    return key, client.baseEntry.getPlaybackContext(entry_id, KalturaPlaybackContextOptions(streamerType=streamer, ks=key))


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
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "json", url],
                           capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    kinds = {s["codec_type"] for s in json.loads(probe.stdout)["streams"]}
    assert "audio" in kinds
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", url, "-map", "0:a:0", "-f", "wav", "-"],
                             capture_output=True, timeout=60)
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


def test_flavor_assets_list_get_and_get_url(kit: Kit) -> None:
    client = kit.with_key(8003)  # entry 0_rfent002: a video-only flavor and a broken one
    f = KalturaFlavorAssetFilter()
    f.entryIdEqual = "0_rfent002"
    flavors = client.flavorAsset.list(f).objects
    assert len(flavors) == 2
    by_tag = {fl.flavorParamsId: fl for fl in flavors}
    video_only, broken = by_tag[487], by_tag[301]
    assert video_only.fileExt == "mp4" and video_only.width == 320 and video_only.isWeb is True
    assert broken.isWeb is False
    assert client.flavorAsset.get(video_only.id).sizeInBytes == video_only.sizeInBytes
    url = client.flavorAsset.getUrl(video_only.id)
    data = httpx.get(url).content
    assert len(data) == video_only.sizeInBytes
    streams = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", url],
                             capture_output=True, text=True, timeout=30).stdout.split()
    assert streams == ["video"]  # no sound to transcribe
    assert httpx.get(client.flavorAsset.getDownloadUrl(video_only.id)).content == data
    broken_bytes = httpx.get(client.flavorAsset.getUrl(broken.id)).content
    assert subprocess.run(["ffprobe", "-v", "error", "-i", "-"], input=broken_bytes, capture_output=True).returncode != 0
    # the playback context offers no web source for the broken flavor
    context = client.baseEntry.getPlaybackContext("0_rfent002", KalturaPlaybackContextOptions(streamerType="http"))
    assert [s.flavorIds for s in context.sources] == [video_only.id]
    with pytest.raises(KalturaException) as caught:
        client.flavorAsset.get("0_fl999999")
    assert caught.value.code == "FLAVOR_ASSET_ID_NOT_FOUND"


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

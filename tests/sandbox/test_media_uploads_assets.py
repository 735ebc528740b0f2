"""Media delivery, uploads and assets of the sandbox, through the official KalturaClient.

HLS playback is decoded back by ffmpeg; uploads go in chunks and resume after an interruption;
caption and transcript assets round-trip byte for byte; an accessKey reaches its own entry only.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from KalturaClient import KalturaClient, KalturaConfiguration
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Attachment import KalturaAttachmentAssetFilter
from KalturaClient.Plugins.Caption import KalturaCaptionAsset, KalturaCaptionAssetFilter, KalturaCaptionType
from KalturaClient.Plugins.Core import (
    KalturaBaseEntry,
    KalturaFlavorAsset,
    KalturaFlavorAssetFilter,
    KalturaLanguage,
    KalturaNullableBoolean,
    KalturaPlaybackContextOptions,
    KalturaSessionType,
    KalturaStringResource,
    KalturaUploadedFileTokenResource,
    KalturaUploadToken,
    KalturaUrlResource,
)
from KalturaClient.Plugins.CuePoint import KalturaCuePointFilter, KalturaThumbCuePointSubType
from KalturaClient.Plugins.ThumbCuePoint import KalturaThumbCuePoint
from KalturaClient.Plugins.Transcript import KalturaTranscriptAsset

from kaltura_sandbox.testing import running_sandbox

SPEECH = "The sandbox plays Kaltura. Its media is made from text, so the words are known."

SCENARIO: dict[str, Any] = {
    "vendor": {"partner_id": 9300, "admin_secret": "vendor-9300",
               "app_token": {"id": "0_tok9300", "token": "token9300", "hash_type": "SHA256"}},
    "catalog_items": [{"id": 401, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS"}],
    "customers": [{
        "partner_id": 2401, "admin_secret": "customer-2401",
        "reach_profiles": [{"id": 501}, {"id": 502, "auto_display_machine_captions": False}],
        "entries": [
            {"id": "0_media001", "tags": "one,two", "speech": [{"text": SPEECH}],
             "flavors": ["source", "audio", "video_only"]},
            {"id": "0_media002", "speech": [{"text": "Another entry."}], "flavors": ["audio"]},
            {"id": "0_liveevt1", "speech": [{"text": "Live."}], "flavors": ["audio"]},
        ],
        "schedule_events": [{"id": 7401, "entry": "0_liveevt1", "start": "+1h", "end": "+2h"}],
        "tasks": [
            {"id": 4401, "entry": "0_media001", "catalog_item": 401, "reach_profile": 501},
            {"id": 4402, "entry": "0_media001", "catalog_item": 401, "reach_profile": 502},
        ],
    }],
}


@pytest.fixture(scope="module")
def box(session_dir: Path) -> Iterator[Any]:
    with running_sandbox(SCENARIO, media_dir=session_dir / "sandbox-media") as sandbox:
        yield sandbox


def client_with(box: Any, ks: str) -> KalturaClient:
    client = KalturaClient(KalturaConfiguration(box.base_url))
    client.setKs(ks)
    return client


def admin(box: Any) -> KalturaClient:
    client = KalturaClient(KalturaConfiguration(box.base_url))
    client.setKs(client.session.start("customer-2401", "", KalturaSessionType.ADMIN, 2401))
    return client


def access_key(box: Any, task_id: int) -> str:
    return box.store.get("tasks", task_id)["accessKey"]


def named(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name  # a file part needs a name, as on Kaltura
    return handle


def test_hls_playback_decodes_to_the_entry_duration(box: Any) -> None:
    client = client_with(box, access_key(box, 4401))
    entry = client.media.get("0_media001")
    options = KalturaPlaybackContextOptions()
    options.streamerType = "applehttp"
    context = client.baseEntry.getPlaybackContext("0_media001", options)
    [source] = [s for s in context.sources if s.format == "applehttp"]
    assert source.url.endswith("/format/applehttp/a.m3u8")
    url = f"{source.url}?ks={access_key(box, 4401)}"
    master = httpx.get(url).text
    assert master.startswith("#EXTM3U") and "#EXT-X-STREAM-INF" in master
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", url],
        capture_output=True, text=True, check=True,
    )
    decoded = float(json.loads(probe.stdout)["format"]["duration"])
    assert abs(decoded - entry.msDuration / 1000) <= 0.5
    assert httpx.get(source.url).status_code == 403  # no KS, no media


def test_progressive_download_with_range_and_flavors(box: Any) -> None:
    client = client_with(box, access_key(box, 4401))
    flavors = client.flavorAsset.list(KalturaFlavorAssetFilter(entryIdEqual="0_media001")).objects
    assert {f.fileExt for f in flavors} == {"mp4", "m4a"} and len(flavors) == 3
    audio = next(f for f in flavors if f.tags == "audio_only")
    url = client.flavorAsset.getUrl(audio.id)
    whole = httpx.get(url).content
    assert len(whole) == audio.sizeInBytes
    part = httpx.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole[100:200]
    options = KalturaPlaybackContextOptions()
    options.streamerType = "http"
    context = client.baseEntry.getPlaybackContext("0_media001", options)
    assert context.sources and all(s.format == "url" for s in context.sources)


def test_access_key_reaches_its_own_entry_only(box: Any) -> None:
    client = client_with(box, access_key(box, 4401))
    with pytest.raises(KalturaException) as error:
        client.baseEntry.get("0_media002")
    assert error.value.code in ("ENTRY_ID_NOT_FOUND", "NO_PERMISSION_ON_ENTRY")


def test_entry_update_changes_only_the_fields_sent(box: Any) -> None:
    client = client_with(box, access_key(box, 4401))
    change = KalturaBaseEntry()
    change.tags = "one,two,three"
    updated = client.baseEntry.update("0_media001", change)
    assert updated.tags == "one,two,three" and updated.name == admin(box).baseEntry.get("0_media001").name


def test_chunked_upload_resumes_after_an_interrupted_chunk(box: Any) -> None:
    client = client_with(box, access_key(box, 4401))
    payload = bytes(range(256)) * 40  # 10,240 bytes
    token = client.uploadToken.add(KalturaUploadToken(fileName="c.srt", fileSize=len(payload)))
    first = client.uploadToken.upload(token.id, named(payload[:4000], "c.srt"), False, False, -1)
    assert first.status.getValue() == 1 and first.uploadedFileSize == 4000
    # The second chunk is lost on the way: send it again from what the server says it has.
    box.faults.add("drop", service="uploadtoken", action="upload", first_n=1)
    with pytest.raises(Exception):
        client.uploadToken.upload(token.id, named(payload[4000:8000], "c.srt"), True, False, 4000)
    box.faults.clear()
    received = int(client.uploadToken.get(token.id).uploadedFileSize)
    assert received == 4000
    client.uploadToken.upload(token.id, named(payload[received:8000], "c.srt"), True, False, received)
    done = client.uploadToken.upload(token.id, named(payload[8000:], "c.srt"), True, True, 8000)
    assert done.status.getValue() == 2 and done.uploadedFileSize == len(payload)
    with pytest.raises(KalturaException) as error:
        client.uploadToken.upload(token.id, named(b"more", "c.srt"), True, True, -1)
    assert error.value.code == "UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD"


def test_caption_round_trip_through_every_resource_kind(box: Any) -> None:
    client = client_with(box, access_key(box, 4401))
    srt = "1\n00:00:00,000 --> 00:00:02,000\nThe sandbox plays Kaltura.\n"
    asset = KalturaCaptionAsset()
    asset.language = KalturaLanguage.EN
    asset.format = KalturaCaptionType.SRT
    asset.isDefault = KalturaNullableBoolean.TRUE_VALUE
    asset.tags = "roundtrip"
    caption = client.caption.captionAsset.add("0_media001", asset)
    assert caption.status.getValue() == 0
    with pytest.raises(KalturaException) as error:
        client.caption.captionAsset.getUrl(caption.id)
    assert error.value.code == "CAPTION_ASSET_IS_NOT_READY"
    token = client.uploadToken.add(KalturaUploadToken(fileName="c.srt"))
    client.uploadToken.upload(token.id, named(srt.encode(), "c.srt"), False, True, -1)
    ready = client.caption.captionAsset.setContent(caption.id, KalturaUploadedFileTokenResource(token=token.id))
    assert ready.status.getValue() == 2
    serve_url = client.caption.captionAsset.getUrl(caption.id)
    assert httpx.get(serve_url).text == srt
    # A string resource, then a URL resource that points at the first asset's serve URL.
    second = client.caption.captionAsset.add("0_media001", KalturaCaptionAsset(format=KalturaCaptionType.WEBVTT))
    client.caption.captionAsset.setContent(second.id, KalturaStringResource(content="WEBVTT\n\n"))
    third = client.caption.captionAsset.add("0_media001", KalturaCaptionAsset(format=KalturaCaptionType.SRT))
    client.caption.captionAsset.setContent(third.id, KalturaUrlResource(url=serve_url))
    assert httpx.get(client.caption.captionAsset.getUrl(third.id)).text == srt
    listed = client.caption.captionAsset.list(KalturaCaptionAssetFilter(entryIdEqual="0_media001", tagsMultiLikeAnd="roundtrip"))
    assert [c.id for c in listed.objects] == [caption.id]


def test_moderated_profile_forces_display_off(box: Any) -> None:
    client = client_with(box, access_key(box, 4402))  # profile 502 does not auto-display
    caption = client.caption.captionAsset.add("0_media001", KalturaCaptionAsset(
        format=KalturaCaptionType.SRT, displayOnPlayer=True))
    assert caption.displayOnPlayer is False


def test_transcript_attachment(box: Any) -> None:
    client = client_with(box, access_key(box, 4401))
    transcript = KalturaTranscriptAsset()
    transcript.format = "1"
    transcript.fileExt = "txt"
    transcript.language = KalturaLanguage.EN
    transcript.accuracy = 0.93
    added = client.attachment.attachmentAsset.add("0_media001", transcript)
    assert type(added).__name__ == "KalturaTranscriptAsset"
    client.attachment.attachmentAsset.setContent(added.id, KalturaStringResource(content="The sandbox plays Kaltura."))
    listed = client.attachment.attachmentAsset.list(KalturaAttachmentAssetFilter(entryIdEqual="0_media001")).objects
    assert [a.id for a in listed] == [added.id] and listed[0].status.getValue() == 2
    assert abs(listed[0].accuracy - 0.93) < 1e-6


def test_chapters_as_cue_points_one_by_one_and_in_bulk(box: Any) -> None:
    client = client_with(box, access_key(box, 4401))
    chapter = KalturaThumbCuePoint()
    chapter.entryId = "0_media001"
    chapter.startTime = 0
    chapter.title = "Intro"
    chapter.subType = KalturaThumbCuePointSubType.CHAPTER
    added = client.cuePoint.cuePoint.add(chapter)
    assert added.cuePointType.getValue() == "thumbCuePoint.Thumb" and added.subType.getValue() == 2
    bulk = (b'<scenes><scene-thumb-cue-point entryId="0_media001"><sceneStartTime>00:00:05.3</sceneStartTime>'
            b"<title>Part two</title><subType>2</subType></scene-thumb-cue-point></scenes>")
    result = client.cuePoint.cuePoint.addFromBulk(named(bulk, "chapters.xml"))
    assert [c.startTime for c in result.objects] == [5300]
    listed = client.cuePoint.cuePoint.list(KalturaCuePointFilter(entryIdEqual="0_media001")).objects
    assert sorted(c.title for c in listed) == ["Intro", "Part two"]


def test_flavor_add_and_set_content(box: Any) -> None:
    client = client_with(box, access_key(box, 4401))
    flavor = client.flavorAsset.add("0_media001", KalturaFlavorAsset(flavorParamsId=1507, label="Spanish"))
    assert flavor.status.getValue() == 0
    token = client.uploadToken.add(KalturaUploadToken(fileName="dub.m4a"))
    client.uploadToken.upload(token.id, named(b"\x00" * 2048, "dub.m4a"), False, True, -1)
    ready = client.flavorAsset.setContent(flavor.id, KalturaUploadedFileTokenResource(token=token.id))
    assert ready.status.getValue() == 2 and ready.sizeInBytes == 2048

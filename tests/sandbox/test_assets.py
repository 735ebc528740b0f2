"""services/assets.py: what a vendor reads and writes with a task's accessKey: caption assets through every
content resource, attachment/transcript assets, cue points (counted; tests/sandbox/test_cue_points.py has the rest), schedule
events' live features, and flavor assets."""

from __future__ import annotations

import subprocess

import httpx
import pytest
from KalturaClient import KalturaClient
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Attachment import KalturaAttachmentAssetFilter, KalturaAttachmentType
from KalturaClient.Plugins.Caption import KalturaCaptionAsset, KalturaCaptionAssetFilter, KalturaCaptionType
from KalturaClient.Plugins.Core import (
    KalturaFlavorAsset,
    KalturaFlavorAssetFilter,
    KalturaNullableBoolean,
    KalturaPlaybackContextOptions,
    KalturaStringResource,
    KalturaUploadedFileTokenResource,
    KalturaUploadToken,
    KalturaUploadTokenStatus,
    KalturaUrlResource,
)
from KalturaClient.Plugins.CuePoint import KalturaCuePointFilter
from KalturaClient.Plugins.Schedule import KalturaLiveCaptionFeature
from KalturaClient.Plugins.Transcript import KalturaTranscriptAsset

from kaltura_sandbox.services.assets import add_live_caption_feature
from tests.sandbox.conftest import CUSTOMER, Kit, named

SRT = "1\n00:00:00,000 --> 00:00:02,000\nCaptions make every lecture\n\n2\n00:00:02,000 --> 00:00:03,500\neasier to follow.\n"


def _error(call) -> KalturaException:  # type: ignore[no-untyped-def]
    with pytest.raises(KalturaException) as caught:
        call()
    return caught.value


def _status(token: KalturaUploadToken) -> int:
    return int(token.status.getValue())


def _upload(client: KalturaClient, data: bytes, name: str = "captions.srt") -> str:
    token = client.uploadToken.add(KalturaUploadToken(fileName=name, fileSize=len(data)))
    done = client.uploadToken.upload(token.id, named(data, name), False, True, -1)
    assert _status(done) == KalturaUploadTokenStatus.FULL_UPLOAD
    return str(token.id)


# ---------------------------------------------------------------------------------------------
# Caption assets


def test_caption_round_trip_through_every_resource(kit: Kit) -> None:
    key = kit.access_key(8002)
    client = kit.client(key)
    entry = "0_rfent003"
    by_token = client.caption.captionAsset.add(
        entry, KalturaCaptionAsset(language="English", label="English", format=KalturaCaptionType.SRT, accuracy=95)
    )
    assert by_token.status.getValue() == 0  # QUEUED until it has content
    error = _error(lambda: client.caption.captionAsset.getUrl(by_token.id))
    assert error.code == "CAPTION_ASSET_IS_NOT_READY"
    ready = client.caption.captionAsset.setContent(
        by_token.id, KalturaUploadedFileTokenResource(token=_upload(client, SRT.encode()))
    )
    assert ready.status.getValue() == 2 and ready.fileExt == "srt" and ready.accuracy == 95
    url = client.caption.captionAsset.getUrl(by_token.id)
    assert httpx.get(url).content == SRT.encode()
    # a string resource
    vtt = "WEBVTT\n\n00:00.000 --> 00:02.000\nCaptions make every lecture\n"
    by_string = client.caption.captionAsset.add(
        entry, KalturaCaptionAsset(language="English", format=KalturaCaptionType.WEBVTT)
    )
    client.caption.captionAsset.setContent(by_string.id, KalturaStringResource(content=vtt))
    assert httpx.get(client.caption.captionAsset.getUrl(by_string.id)).content == vtt.encode()
    # a URL resource pointing at the sandbox's own serve URL of the first asset
    by_url = client.caption.captionAsset.add(
        entry, KalturaCaptionAsset(language="Spanish", format=KalturaCaptionType.SRT)
    )
    client.caption.captionAsset.setContent(by_url.id, KalturaUrlResource(url=url))
    assert httpx.get(client.caption.captionAsset.getUrl(by_url.id)).content == SRT.encode()
    assert client.caption.captionAsset.get(by_url.id).languageCode.getValue() == "es"
    # the client's own serve URL gives the same bytes
    serve = client.caption.captionAsset.serve(by_token.id)
    assert httpx.get(serve).content == SRT.encode()
    # an unreachable URL fails the import
    error = _error(
        lambda: client.caption.captionAsset.setContent(by_url.id, KalturaUrlResource(url=f"{kit.url}/no/such/file.srt"))
    )
    assert error.code == "UPLOAD_ERROR"


def test_moderated_profile_forces_display_off(kit: Kit) -> None:
    moderated = kit.with_key(8003)  # profile 702: machine captions not auto-displayed
    asset = moderated.caption.captionAsset.add(
        "0_rfent002", KalturaCaptionAsset(language="English", format=KalturaCaptionType.SRT, displayOnPlayer=True)
    )
    assert asset.displayOnPlayer is False
    updated = moderated.caption.captionAsset.update(asset.id, KalturaCaptionAsset(displayOnPlayer=True))
    assert updated.displayOnPlayer is False
    shown = kit.with_key(8001).caption.captionAsset.add(
        "0_rfent001", KalturaCaptionAsset(language="English", format=KalturaCaptionType.SRT, displayOnPlayer=True)
    )
    assert shown.displayOnPlayer is True


def test_is_default_moves_and_tag_filters(kit: Kit) -> None:
    client = kit.with_key(8001)
    entry = "0_rfent001"
    first = client.caption.captionAsset.add(
        entry,
        KalturaCaptionAsset(language="English", isDefault=KalturaNullableBoolean.TRUE_VALUE, tags="reach,machine,en"),
    )
    assert first.isDefault.getValue() == 1
    second = client.caption.captionAsset.add(
        entry, KalturaCaptionAsset(language="French", isDefault=KalturaNullableBoolean.TRUE_VALUE, tags="reach,fr")
    )
    assert second.isDefault.getValue() == 1
    assert client.caption.captionAsset.get(first.id).isDefault.getValue() == 0
    client.caption.captionAsset.setAsDefault(first.id)
    assert client.caption.captionAsset.get(first.id).isDefault.getValue() == 1
    assert client.caption.captionAsset.get(second.id).isDefault.getValue() == 0
    f = KalturaCaptionAssetFilter()
    f.entryIdEqual = entry
    f.tagsMultiLikeAnd = "reach,machine"
    assert [c.id for c in client.caption.captionAsset.list(f).objects] == [first.id]
    f.tagsMultiLikeAnd = None
    f.tagsMultiLikeOr = "fr,machine"
    assert {c.id for c in client.caption.captionAsset.list(f).objects} == {first.id, second.id}
    # the accessKey lists its own entry's captions only
    f = KalturaCaptionAssetFilter()
    f.entryIdEqual = "0_rfent003"
    assert client.caption.captionAsset.list(f).objects == []
    client.caption.captionAsset.delete(second.id)
    assert _error(lambda: client.caption.captionAsset.get(second.id)).code == "CAPTION_ASSET_ID_NOT_FOUND"


def test_caption_errors(kit: Kit) -> None:
    client = kit.with_key(8001)
    error = _error(lambda: client.caption.captionAsset.get("0_nosuch"))
    assert error.code == "CAPTION_ASSET_ID_NOT_FOUND" and error.message == 'Caption asset id "0_nosuch" not found'
    error = _error(lambda: client.caption.captionAsset.setContent("0_nosuch", KalturaStringResource(content="x")))
    assert error.code == "CAPTION_ASSET_ID_NOT_FOUND"
    # another customer's caption asset is not found with this partner's key
    other = kit.with_key(8101).caption.captionAsset.add("0_rfoth001", KalturaCaptionAsset(language="English"))
    assert _error(lambda: client.caption.captionAsset.get(other.id)).code == "CAPTION_ASSET_ID_NOT_FOUND"


def test_captions_in_several_languages_on_one_entry(kit: Kit) -> None:
    """A translation's view of an entry: its English source and the languages added next to it,
    listed by entry (Kaltura's caption filter has no language field: the caller picks by language)."""
    key = kit.access_key(8006)  # the English→Spanish task on 0_rfent003, source caption 0_rfsrccap
    client = kit.client(key)
    f = KalturaCaptionAssetFilter(entryIdEqual="0_rfent003")
    before = {c.id: c.status.getValue() for c in kit.admin().caption.captionAsset.list(f).objects}
    assert "0_rfsrccap" in before
    spanish = client.caption.captionAsset.add(
        "0_rfent003",
        KalturaCaptionAsset(
            language="Spanish",
            label="Spanish (auto)",
            format=KalturaCaptionType.SRT,
            accuracy=80,
            isDefault=KalturaNullableBoolean.FALSE_VALUE,
            tags="reach,translation",
        ),
    )
    client.caption.captionAsset.setContent(spanish.id, KalturaStringResource(content=SRT))
    german = client.caption.captionAsset.add("0_rfent003", KalturaCaptionAsset(language="German", format="3"))
    listed = {c.id: c for c in kit.admin().caption.captionAsset.list(f).objects}
    assert set(listed) == {*before, spanish.id, german.id}
    source = listed["0_rfsrccap"]
    assert (source.language.getValue(), source.languageCode.getValue(), source.label) == ("English", "en", "English")
    assert (source.status.getValue(), source.accuracy, source.isDefault.getValue()) == (2, 99, 0)
    got = listed[spanish.id]
    assert (got.language.getValue(), got.languageCode.getValue(), got.label) == ("Spanish", "es", "Spanish (auto)")
    assert (got.accuracy, got.isDefault.getValue(), got.format.getValue(), got.status.getValue()) == (80, 0, "1", 2)
    assert listed[german.id].status.getValue() == 0 and listed[german.id].languageCode.getValue() == "de"
    # an unknown filter field is ignored, as Kaltura's deserializer does: no language filtering
    raw = {
        "format": "1",
        "ks": key,
        "filter": {"objectType": "KalturaCaptionAssetFilter", "entryIdEqual": "0_rfent003", "languageEqual": "Spanish"},
    }
    answer = httpx.post(kit.sandbox.url("/api_v3/service/caption_captionasset/action/list"), json=raw).json()
    assert answer["totalCount"] == len(before) + 2
    f = KalturaCaptionAssetFilter(entryIdIn="0_rfent003,0_rfent001", statusEqual=2)
    ready = {i for i, status in before.items() if status == 2}
    assert {c.id for c in client.caption.captionAsset.list(f).objects} == {*ready, spanish.id}
    # KalturaAssetFilter::validateEntryIdsFiltered: an asset list must name its entries
    error = _error(lambda: kit.admin().caption.captionAsset.list())
    assert error.code == "PROPERTY_VALIDATION_CANNOT_BE_NULL"
    assert error.message == (
        'The property "KalturaCaptionAssetFilter::entryIdEqual/KalturaCaptionAssetFilter::entryIdIn" cannot be null'
    )
    for listing in (
        lambda: client.attachment.attachmentAsset.list(KalturaAttachmentAssetFilter()),
        lambda: client.flavorAsset.list(),
    ):
        assert _error(listing).code == "PROPERTY_VALIDATION_CANNOT_BE_NULL"


def test_get_url_mints_a_download_ks_for_the_asset(kit: Kit) -> None:
    """CaptionAssetService::getUrlAction → asset::getDownloadUrl: the URL carries a fresh USER KS
    limited to this asset, never the caller's KS; it keeps working after the task's key is dead."""
    key = kit.access_key(8006)
    client = kit.client(key)
    url = client.caption.captionAsset.getUrl("0_rfsrccap")
    assert url.startswith(
        f"{kit.url}/api_v3/index.php/service/caption_captionAsset/action/serve/captionAssetId/0_rfsrccap/ks/"
    )
    download_ks = url.rsplit("/ks/", 1)[1]
    assert download_ks != key and key not in url
    session = kit.client(download_ks).session.get()
    assert session.sessionType.getValue() == 0 and session.userId == "" and session.partnerId == CUSTOMER
    assert session.privileges == (
        "download:0_rfent003,disableentitlementforentry:0_rfent003,sview:0_rfent003,downloadasset:0_rfsrccap"
    )
    assert httpx.get(url).text.startswith("1\n00:00:00,000 --> ")
    # a version above 1 is in the path (Kaltura's cache key); the asset's own bytes come back
    caption = client.caption.captionAsset.add("0_rfent003", KalturaCaptionAsset(language="French", format="1"))
    client.caption.captionAsset.setContent(caption.id, KalturaStringResource(content=SRT))
    versioned = client.caption.captionAsset.getUrl(caption.id)
    assert f"/captionAssetId/{caption.id}/v/2/ks/" in versioned and httpx.get(versioned).text == SRT
    # the download KS reaches this entry only
    other = kit.client(download_ks)
    assert _error(lambda: other.baseEntry.get("0_rfent001")).code == "ENTRY_ID_NOT_FOUND"


# ---------------------------------------------------------------------------------------------
# Attachments, cue points, live features, flavors


def test_transcript_attachment(kit: Kit) -> None:
    client = kit.with_key(8001)
    transcript = client.attachment.attachmentAsset.add(
        "0_rfent001",
        KalturaTranscriptAsset(fileExt="json", format=KalturaAttachmentType.JSON, language="English", accuracy=0.93),
    )
    assert type(transcript).__name__ == "KalturaTranscriptAsset"
    error = _error(lambda: client.attachment.attachmentAsset.getUrl(transcript.id))
    assert error.code == "ATTACHMENT_ASSET_IS_NOT_READY"
    body = b'[{"text": "Captions make every lecture easier to follow."}]'
    client.attachment.attachmentAsset.setContent(transcript.id, KalturaStringResource(content=body.decode()))
    assert httpx.get(client.attachment.attachmentAsset.getUrl(transcript.id)).content == body
    got = client.attachment.attachmentAsset.get(transcript.id)
    assert got.accuracy == 0.93 and got.language.getValue() == "English" and got.status.getValue() == 2
    f = KalturaAttachmentAssetFilter()
    f.entryIdEqual = "0_rfent001"
    assert transcript.id in {a.id for a in client.attachment.attachmentAsset.list(f).objects}
    caption = client.caption.captionAsset.add(
        "0_rfent001", KalturaCaptionAsset(language="English", associatedTranscriptIds=transcript.id)
    )
    assert caption.associatedTranscriptIds == transcript.id
    assert _error(lambda: client.attachment.attachmentAsset.get("0_nosuch")).code == "ATTACHMENT_ASSET_ID_NOT_FOUND"


def test_schedule_event_live_feature(kit: Kit) -> None:
    add_live_caption_feature(kit.sandbox.store, 7501, 8008, language="eng", pre_start=300, post_end=300)
    client = kit.with_key(8008)
    event = client.schedule.scheduleEvent.get(7501)
    assert type(event).__name__ == "KalturaLiveStreamScheduleEvent"
    names = [f.systemName for f in event.liveFeatures]
    assert "LiveCaptionFeature-reach-8008" in names
    feature = KalturaLiveCaptionFeature(
        mediaUrl="rtmps://vendor/live", mediaKey="key1", captionUrl="wss://vendor/captions", captionToken="tok"
    )
    updated = client.schedule.scheduleEvent.updateLiveFeature(7501, "LiveCaptionFeature-reach-8008", feature)
    mine = next(f for f in updated.liveFeatures if f.systemName == "LiveCaptionFeature-reach-8008")
    assert type(mine).__name__ == "KalturaLiveCaptionFeature"
    assert (mine.mediaUrl, mine.mediaKey, mine.captionUrl, mine.captionToken) == (
        "rtmps://vendor/live",
        "key1",
        "wss://vendor/captions",
        "tok",
    )
    assert mine.preStartTime == 300
    error = _error(lambda: client.schedule.scheduleEvent.updateLiveFeature(7501, "LiveCaptionFeature-reach-1", feature))
    assert error.code == "FEATURE_NAME_NOT_FOUND"
    assert error.message == "LiveFeature with name [LiveCaptionFeature-reach-1] not found"
    assert _error(lambda: client.schedule.scheduleEvent.get(99999)).code == "INVALID_OBJECT_ID"


def test_flavor_asset_add_and_set_content(kit: Kit) -> None:
    client = kit.with_key(8001)
    audio = kit.sandbox.store.get(
        "flavor_assets",
        next(
            f["id"]
            for f in kit.sandbox.store.rows("flavor_assets")
            if f["entryId"] == "0_rfent001" and f["_kind"] == "audio"
        ),
    )
    data = open(audio["_path"], "rb").read()
    flavor = client.flavorAsset.add(
        "0_rfent001", KalturaFlavorAsset(flavorParamsId=1507, language="Spanish", label="Spanish dub")
    )
    assert flavor.status.getValue() == 0 and flavor.flavorParamsId == 1507
    done = client.flavorAsset.setContent(
        flavor.id, KalturaUploadedFileTokenResource(token=_upload(client, data, "dub.m4a"))
    )
    assert done.status.getValue() == 2 and done.sizeInBytes == len(data) and done.fileExt == "m4a"
    assert httpx.get(client.flavorAsset.getUrl(flavor.id)).content == data
    got = kit.admin(CUSTOMER).flavorAsset.get(flavor.id)
    assert got.language.getValue() == "Spanish" and got.label == "Spanish dub"


def test_read_actions_a_vendor_may_call(kit: Kit) -> None:
    """Counts, schedule event lists, thumbnails and caption params answer as Kaltura does."""
    from KalturaClient.Plugins.Core import KalturaThumbAssetFilter
    from KalturaClient.Plugins.Schedule import KalturaScheduleEventFilter

    client = kit.with_key(8001)
    f = KalturaCuePointFilter(entryIdEqual="0_rfent001")
    assert client.cuePoint.cuePoint.count(f) == client.cuePoint.cuePoint.list(f).totalCount
    admin = kit.admin()
    # the event starts in an hour: after "now + 30 min" (a relative time), not before it
    events = admin.schedule.scheduleEvent.list(KalturaScheduleEventFilter(startDateGreaterThanOrEqual=1800))
    assert [e.id for e in events.objects] == [7501]
    assert admin.schedule.scheduleEvent.list(KalturaScheduleEventFilter(startDateLessThanOrEqual=1800)).totalCount == 0
    assert admin.schedule.scheduleEvent.list(KalturaScheduleEventFilter(idEqual=999)).totalCount == 0
    assert client.thumbAsset.list(KalturaThumbAssetFilter(entryIdEqual="0_rfent001")).totalCount == 0
    assert client.thumbAsset.getByEntryId("0_rfent001") == []
    assert _error(lambda: client.thumbAsset.get("0_th000001")).code == "THUMB_ASSET_ID_NOT_FOUND"
    assert _error(lambda: client.thumbAsset.list()).code == "PROPERTY_VALIDATION_CANNOT_BE_NULL"
    assert client.caption.captionParams.list().totalCount == 0
    error = _error(lambda: client.caption.captionParams.get(1))
    assert (error.code, error.message) == ("FLAVOR_PARAMS_ID_NOT_FOUND", 'Flavor params id "1" not found')


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
    streams = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", url],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.split()
    assert streams == ["video"]  # no sound to transcribe
    assert httpx.get(client.flavorAsset.getDownloadUrl(video_only.id)).content == data
    broken_bytes = httpx.get(client.flavorAsset.getUrl(broken.id)).content
    assert (
        subprocess.run(["ffprobe", "-v", "error", "-i", "-"], input=broken_bytes, capture_output=True).returncode != 0
    )
    # the playback context offers no web source for the broken flavor
    context = client.baseEntry.getPlaybackContext("0_rfent002", KalturaPlaybackContextOptions(streamerType="http"))
    assert [s.flavorIds for s in context.sources] == [video_only.id]
    with pytest.raises(KalturaException) as caught:
        client.flavorAsset.get("0_fl999999")
    assert caught.value.code == "FLAVOR_ASSET_ID_NOT_FOUND"

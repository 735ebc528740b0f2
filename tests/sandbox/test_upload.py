"""services/upload.py: upload tokens (chunked, resumed, errors) and the content resources they feed."""

from __future__ import annotations

import httpx
import pytest
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Attachment import KalturaAttachmentType
from KalturaClient.Plugins.Caption import KalturaCaptionAsset, KalturaCaptionType
from KalturaClient.Plugins.Core import KalturaUploadedFileTokenResource, KalturaUploadToken, KalturaUploadTokenStatus
from KalturaClient.Plugins.Transcript import KalturaTranscriptAsset

from tests.sandbox.conftest import Kit, named

SRT = "1\n00:00:00,000 --> 00:00:02,000\nCaptions make every lecture\n\n2\n00:00:02,000 --> 00:00:03,500\neasier to follow.\n"


def _error(call) -> KalturaException:  # type: ignore[no-untyped-def]
    with pytest.raises(KalturaException) as caught:
        call()
    return caught.value


def _status(token: KalturaUploadToken) -> int:
    return int(token.status.getValue())


def test_chunked_upload_in_three_chunks(kit: Kit) -> None:
    client = kit.with_key(8001)
    data = (SRT * 40).encode()
    third = len(data) // 3
    chunks = [data[:third], data[third : 2 * third], data[2 * third :]]
    token = client.uploadToken.add(KalturaUploadToken(fileName="big.srt", fileSize=len(data)))
    assert _status(token) == KalturaUploadTokenStatus.PENDING
    first = client.uploadToken.upload(token.id, named(chunks[0], "big.srt"), False, False, -1)
    assert _status(first) == KalturaUploadTokenStatus.PARTIAL_UPLOAD and first.uploadedFileSize == third
    second = client.uploadToken.upload(token.id, named(chunks[1], "big.srt"), True, False, third)
    assert _status(second) == KalturaUploadTokenStatus.PARTIAL_UPLOAD and second.uploadedFileSize == 2 * third
    last = client.uploadToken.upload(token.id, named(chunks[2], "big.srt"), True, True, 2 * third)
    assert _status(last) == KalturaUploadTokenStatus.FULL_UPLOAD and last.uploadedFileSize == len(data)
    assert _status(client.uploadToken.get(token.id)) == KalturaUploadTokenStatus.FULL_UPLOAD
    caption = client.caption.captionAsset.add(
        "0_rfent001", KalturaCaptionAsset(language="English", format=KalturaCaptionType.SRT)
    )
    client.caption.captionAsset.setContent(caption.id, KalturaUploadedFileTokenResource(token=token.id))
    assert httpx.get(client.caption.captionAsset.getUrl(caption.id)).content == data
    # a used token is closed: a further upload is refused
    error = _error(lambda: client.uploadToken.upload(token.id, named(b"x", "x.srt"), False, True, -1))
    assert error.code == "UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD"


def test_resumed_upload_after_an_interrupted_chunk(kit: Kit) -> None:
    client = kit.with_key(8001)
    data = bytes(range(256)) * 20
    token = client.uploadToken.add(KalturaUploadToken(fileName="blob.bin", fileSize=len(data)))
    client.uploadToken.upload(token.id, named(data[:2000], "blob.bin"), False, False, -1)
    # the second chunk was cut short by the network: only part of it arrived
    cut = client.uploadToken.upload(token.id, named(data[2000:2600], "blob.bin"), True, False, 2000)
    assert cut.uploadedFileSize == 2600
    # the client re-sends the whole chunk from its start offset: the partial bytes are replaced
    client.uploadToken.upload(token.id, named(data[2000:4000], "blob.bin"), True, False, 2000)
    done = client.uploadToken.upload(token.id, named(data[4000:], "blob.bin"), True, True, 4000)
    assert _status(done) == KalturaUploadTokenStatus.FULL_UPLOAD and done.uploadedFileSize == len(data)
    attachment = client.attachment.attachmentAsset.add(
        "0_rfent001", KalturaTranscriptAsset(fileExt="bin", format=KalturaAttachmentType.TEXT, language="English")
    )
    client.attachment.attachmentAsset.setContent(attachment.id, KalturaUploadedFileTokenResource(token=token.id))
    assert httpx.get(client.attachment.attachmentAsset.getUrl(attachment.id)).content == data


def test_upload_token_errors(kit: Kit) -> None:
    client = kit.with_key(8001)
    assert _error(lambda: client.uploadToken.get("0_nosuch")).code == "UPLOAD_TOKEN_NOT_FOUND"
    assert _error(lambda: client.uploadToken.upload("0_nosuch", named(b"x", "x"))).code == "UPLOAD_TOKEN_NOT_FOUND"
    # resuming a token that never got a first chunk
    token = client.uploadToken.add(KalturaUploadToken(fileName="a.srt"))
    error = _error(lambda: client.uploadToken.upload(token.id, named(b"abc", "a.srt"), True, True, 0))
    assert error.code == "UPLOAD_TOKEN_CANNOT_RESUME"
    # resuming past what arrived
    client.uploadToken.upload(token.id, named(b"abc", "a.srt"), False, False, -1)
    error = _error(lambda: client.uploadToken.upload(token.id, named(b"def", "a.srt"), True, True, 10))
    assert error.code == "UPLOAD_TOKEN_CANNOT_RESUME"
    # the final size must match the announced one
    sized = client.uploadToken.add(KalturaUploadToken(fileName="b.srt", fileSize=10))
    error = _error(lambda: client.uploadToken.upload(sized.id, named(b"12345", "b.srt"), False, True, -1))
    assert error.code == "UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE"
    assert error.message == "Cannot match expected file size"
    # a file object without a name is sent as a plain form field: no fileData arrives
    import io

    error = _error(lambda: client.uploadToken.upload(sized.id, io.BytesIO(b"1234567890"), False, True, -1))
    assert error.code == "MISSING_MANDATORY_PARAMETER"
    # a token that is not FULL_UPLOAD cannot feed an asset
    caption = client.caption.captionAsset.add("0_rfent001", KalturaCaptionAsset(language="English"))
    error = _error(
        lambda: client.caption.captionAsset.setContent(caption.id, KalturaUploadedFileTokenResource(token=sized.id))
    )
    assert error.code == "UPLOADED_FILE_NOT_FOUND_BY_TOKEN"
    # another partner's KS does not see the token
    assert _error(lambda: kit.with_key(8101).uploadToken.get(token.id)).code == "UPLOAD_TOKEN_NOT_FOUND"


def test_upload_token_list_shows_the_partners_tokens(kit: Kit) -> None:
    client = kit.with_key(8001)
    token = client.uploadToken.add(KalturaUploadToken(fileName="listed.srt"))
    assert token.id in {t.id for t in client.uploadToken.list().objects}
    assert token.id not in {t.id for t in kit.with_key(8101).uploadToken.list().objects}
    client.uploadToken.delete(token.id)
    assert _error(lambda: client.uploadToken.get(token.id)).code == "UPLOAD_TOKEN_NOT_FOUND"

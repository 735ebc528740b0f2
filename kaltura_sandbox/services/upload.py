"""uploadToken (api_v3/services/UploadTokenService.php) and content resources.

Chunked and resumable like Kaltura: the first chunk with ``resume=false``; later chunks with
``resume=true`` and ``resumeAt`` = the offset they start at (``-1`` = append); the last with
``finalChunk=true``. A token goes PENDING (0) → PARTIAL_UPLOAD (1) → FULL_UPLOAD (2) and is CLOSED (3)
once an asset consumed it. ``resolve_resource`` turns a content resource into bytes for setContent.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from kaltura_sandbox.framework import CallContext, UploadedFile, action, as_bool, as_int, kobj, raise_error

PENDING, PARTIAL_UPLOAD, FULL_UPLOAD, CLOSED, TIMED_OUT, DELETED = 0, 1, 2, 3, 4, 5


def _public(token: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in token.items() if not k.startswith("_")}


def _token(ctx: CallContext, token_id: str) -> dict[str, Any]:
    session = ctx.require_session()
    token = ctx.store.get("upload_tokens", token_id)
    if token is None or int(token["partnerId"]) != session.partner_id or int(token["status"]) == DELETED:
        raise_error("UPLOAD_TOKEN_NOT_FOUND")
    assert token is not None
    return token


@action("uploadtoken", "add")
def add(ctx: CallContext, uploadToken: dict[str, Any] | None = None) -> dict[str, Any]:
    session = ctx.require_session()
    spec = uploadToken or {}
    token_id = f"0_up{ctx.store.next_int('upload_token'):06d}"
    now = int(time.time())
    token = kobj(
        "KalturaUploadToken",
        id=token_id,
        partnerId=session.partner_id,
        userId=session.user,
        status=PENDING,
        fileName=spec.get("fileName"),
        fileSize=float(spec["fileSize"]) if spec.get("fileSize") not in (None, "") else None,
        uploadedFileSize=0.0,
        createdAt=now,
        updatedAt=now,
        uploadUrl=ctx.base_url,
        autoFinalize=as_int(spec.get("autoFinalize")),
        attachedObjectType=None,
        attachedObjectId=None,
        _data=bytearray(),
    )
    return _public(ctx.store.put("upload_tokens", token_id, token))


@action("uploadtoken", "get")
def get(ctx: CallContext, uploadTokenId: str) -> dict[str, Any]:
    return _public(_token(ctx, uploadTokenId))


@action("uploadtoken", "delete")
def delete(ctx: CallContext, uploadTokenId: str) -> None:
    token = _token(ctx, uploadTokenId)
    token["status"] = DELETED


@action("uploadtoken", "list")
def list_tokens(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    session = ctx.require_session()
    tokens = [
        t
        for t in ctx.store.rows("upload_tokens")
        if int(t["partnerId"]) == session.partner_id and int(t["status"]) != DELETED
    ]
    f = filter or {}
    if f.get("statusEqual") not in (None, ""):
        tokens = [t for t in tokens if int(t["status"]) == int(f["statusEqual"])]
    return kobj("KalturaUploadTokenListResponse", objects=[_public(t) for t in tokens], totalCount=len(tokens))


@action("uploadtoken", "upload")
def upload(
    ctx: CallContext,
    uploadTokenId: str,
    fileData: UploadedFile | None = None,
    resume: str = "false",
    finalChunk: str = "true",
    resumeAt: str = "-1",
) -> dict[str, Any]:
    token = _token(ctx, uploadTokenId)
    if int(token["status"]) not in (PENDING, PARTIAL_UPLOAD):
        raise_error("UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD")
    if not isinstance(fileData, UploadedFile):
        raise_error("MISSING_MANDATORY_PARAMETER", PARAM_NAME="fileData")
    assert isinstance(fileData, UploadedFile)
    data: bytearray = token["_data"]
    with ctx.store.lock:
        if as_bool(resume):
            if int(token["status"]) == PENDING and not data:
                raise_error("UPLOAD_TOKEN_CANNOT_RESUME")
            offset = as_int(resumeAt, -1)
            if offset is None or offset < 0:
                offset = len(data)
            if offset > len(data):
                raise_error("UPLOAD_TOKEN_CANNOT_RESUME")
            del data[offset:]
            data.extend(fileData.data)
        else:
            data.clear()
            data.extend(fileData.data)
        if not token.get("fileName"):
            token["fileName"] = Path(fileData.filename).name
        token["uploadedFileSize"] = float(len(data))
        final = as_bool(finalChunk, True)
        expected = token.get("fileSize")
        if final:
            if expected and int(expected) != len(data):
                token["status"] = PARTIAL_UPLOAD
                raise_error("UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE")
            token["status"] = FULL_UPLOAD
        elif expected and int(token.get("autoFinalize") or 0) == 1 and int(expected) == len(data):
            token["status"] = FULL_UPLOAD
        else:
            token["status"] = PARTIAL_UPLOAD
        token["updatedAt"] = int(time.time())
    return _public(token)


def resolve_resource(ctx: CallContext, resource: dict[str, Any] | None, attached: tuple[str, str]) -> tuple[bytes, str]:
    """The bytes (and a file name) of a content resource, as setContent consumes it."""
    resource = resource or {}
    kind = resource.get("objectType", "")
    if kind == "KalturaUploadedFileTokenResource":
        session = ctx.require_session()
        token = ctx.store.get("upload_tokens", resource.get("token"))
        if token is None or int(token["partnerId"]) != session.partner_id or int(token["status"]) != FULL_UPLOAD:
            raise_error("UPLOADED_FILE_NOT_FOUND_BY_TOKEN")
        assert token is not None
        token["status"] = CLOSED
        token["attachedObjectType"], token["attachedObjectId"] = attached
        return bytes(token["_data"]), token.get("fileName") or "upload"
    if kind == "KalturaStringResource":
        return str(resource.get("content") or "").encode("utf-8"), "content.txt"
    if kind == "KalturaUrlResource":
        url = str(resource.get("url") or "")
        headers = {}
        for header in resource.get("urlHeaders") or []:
            name, _, value = str(header.get("value", "")).partition(":")
            if name:
                headers[name.strip()] = value.strip()
        try:
            response = httpx.get(url, headers=headers, timeout=30, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError:
            raise_error("UPLOAD_ERROR")
        return response.content, Path(url.split("?")[0]).name or "download"
    raise_error("RESOURCE_TYPE_NOT_SUPPORTED", RESOURCE_TYPE=kind or "unknown")
    raise AssertionError("unreachable")

"""Assets a vendor writes: caption assets, attachment (transcript) assets, flavor assets, cue points,
and schedule events' live features (plugins caption, attachment, transcript, cue_points, schedule).

* captionAsset.add → QUEUED (0); setContent → READY (2). With ``enablecaptionmoderation`` in the KS
  (the customer's profile does not auto-display), ``displayOnPlayer`` is forced to false.
* getUrl is only for READY assets; ``serve`` returns the file itself, not an envelope.
* Access: the task accessKey (``edit:<entryId>`` …) reaches its own entry only.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Any

from kaltura_sandbox.framework import (
    CallContext,
    KalturaAPIError,
    RawResponse,
    action,
    as_bool,
    as_float,
    as_int,
    as_nullable_bool,
    check_entry_access,
    kobj,
    raise_error,
)
from kaltura_sandbox.profiles import register_lister
from kaltura_sandbox.services.upload import resolve_resource

QUEUED, READY, DELETED = 0, 2, 3
CAPTION_EXT = {"1": "srt", "2": "dfxp", "3": "vtt", "4": "cap", "5": "scc"}
CAPTION_MIME = {"srt": "text/plain", "dfxp": "application/ttml+xml", "vtt": "text/vtt"}
LANGUAGE_CODES = {
    "English": "en",
    "Spanish": "es",
    "French": "fr",
    "German": "de",
    "Italian": "it",
    "Portuguese": "pt",
    "Hebrew": "he",
    "Japanese": "ja",
    "Chinese": "zh",
    "Dutch": "nl",
    "Russian": "ru",
    "Arabic": "ar",
    "Korean": "ko",
    "Hindi": "hi",
}


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def _entry(ctx: CallContext, entry_id: str, privilege: str) -> dict[str, Any]:
    from kaltura_sandbox.services.entries import entry_for

    return entry_for(ctx, entry_id, privilege)


def _asset(ctx: CallContext, table: str, asset_id: str, missing: str, privilege: str = "sview") -> dict[str, Any]:
    asset = ctx.store.get(table, asset_id)
    if asset is None or int(asset.get("status", 0)) == DELETED:
        raise_error(missing, ASSET_ID=asset_id, ID=asset_id)
    assert asset is not None
    entry = ctx.store.get("entries", asset["entryId"])
    if entry is None:
        raise_error(missing, ASSET_ID=asset_id, ID=asset_id)
    session = ctx.require_session()
    if int(asset["partnerId"]) != session.partner_id:
        raise_error(missing, ASSET_ID=asset_id, ID=asset_id)
    check_entry_access(ctx, entry, privilege)  # type: ignore[arg-type]
    return asset


def _base_asset(
    ctx: CallContext, object_type: str, asset_id: str, entry: dict[str, Any], spec: dict[str, Any]
) -> dict[str, Any]:
    now = int(time.time())
    return kobj(
        object_type,
        id=asset_id,
        entryId=entry["id"],
        partnerId=entry["partnerId"],
        version=1,
        size=0,
        tags=spec.get("tags") or "",
        fileExt=spec.get("fileExt"),
        createdAt=now,
        updatedAt=now,
        deletedAt=None,
        description="",
        partnerData=spec.get("partnerData"),
        partnerDescription=spec.get("partnerDescription"),
        actualSourceAssetParamsIds=None,
        sizeInBytes=0,
    )


def _filter_assets(rows: list[dict[str, Any]], f: dict[str, Any]) -> list[dict[str, Any]]:
    def has_tags(asset: dict[str, Any], wanted: str, mode: str) -> bool:
        tags = {t.strip() for t in str(asset.get("tags") or "").split(",") if t.strip()}
        words = [w.strip() for w in wanted.split(",") if w.strip()]
        if mode == "like":
            return any(wanted in t for t in tags)
        return all(w in tags for w in words) if mode == "and" else any(w in tags for w in words)

    checks = [
        ("entryIdEqual", lambda a, v: a["entryId"] == v),
        ("entryIdIn", lambda a, v: a["entryId"] in {x.strip() for x in v.split(",")}),
        ("idEqual", lambda a, v: a["id"] == v),
        ("idIn", lambda a, v: a["id"] in {x.strip() for x in v.split(",")}),
        ("formatEqual", lambda a, v: str(a.get("format")) == str(v)),
        ("formatIn", lambda a, v: str(a.get("format")) in {x.strip() for x in v.split(",")}),
        ("statusEqual", lambda a, v: int(a.get("status", 0)) == int(v)),
        ("statusIn", lambda a, v: str(a.get("status")) in {x.strip() for x in v.split(",")}),
        ("statusNotIn", lambda a, v: str(a.get("status")) not in {x.strip() for x in v.split(",")}),
        ("tagsLike", lambda a, v: has_tags(a, v, "like")),
        ("tagsMultiLikeOr", lambda a, v: has_tags(a, v, "or")),
        ("tagsMultiLikeAnd", lambda a, v: has_tags(a, v, "and")),
        ("flavorParamsIdEqual", lambda a, v: str(a.get("flavorParamsId")) == str(v)),
        ("captionParamsIdEqual", lambda a, v: str(a.get("captionParamsId")) == str(v)),
    ]
    out = []
    for asset in rows:
        if int(asset.get("status", 0)) == DELETED and not f.get("statusEqual"):
            continue
        if all(f.get(name) in (None, "") or check(asset, str(f[name])) for name, check in checks):
            out.append(asset)
    return out


FILTER_CLASSES = {
    "caption_assets": "KalturaCaptionAssetFilter",
    "attachment_assets": "KalturaAttachmentAssetFilter",
    "flavor_assets": "KalturaFlavorAssetFilter",
}


def _list(
    ctx: CallContext, table: str, object_type: str, filter: dict[str, Any] | None, pager: dict[str, Any] | None
) -> dict[str, Any]:
    session = ctx.require_session()
    f = filter or {}
    if table in FILTER_CLASSES and not f.get("entryIdEqual") and not f.get("entryIdIn"):
        # KalturaAssetFilter::validateEntryIdsFiltered: an asset list names its entries
        cls = f.get("objectType") or FILTER_CLASSES[table]
        raise_error("PROPERTY_VALIDATION_CANNOT_BE_NULL", PROP_NAME=f"{cls}::entryIdEqual/{cls}::entryIdIn")
    rows = [a for a in ctx.store.rows(table) if int(a["partnerId"]) == session.partner_id]
    if session.type != 2:
        allowed = set()
        for name in ("sview", "edit", "download"):
            allowed |= set(session.privileges.get(name, "").split("/"))
        rows = [a for a in rows if a["entryId"] in allowed or "*" in allowed]
    rows = sorted(_filter_assets(rows, filter or {}), key=lambda a: (a["createdAt"], a["id"]))
    size = min(500, as_int((pager or {}).get("pageSize"), 30) or 30)
    index = max(1, as_int((pager or {}).get("pageIndex"), 1) or 1)
    return kobj(
        object_type, objects=[_public(a) for a in rows[(index - 1) * size : index * size]], totalCount=len(rows)
    )


def _related_lister(table: str, object_type: str) -> Any:
    """A related profile's asset filter: the parent's partner's assets of the entries it names."""

    def lister(store: Any, f: dict[str, Any], pager: dict[str, Any] | None, parent: dict[str, Any]) -> dict[str, Any]:
        partner = parent.get("partnerId")
        rows = [a for a in store.rows(table) if partner is None or int(a["partnerId"]) == int(partner)]
        rows = sorted(_filter_assets(rows, f), key=lambda a: (a["createdAt"], a["id"]))
        size = min(500, as_int((pager or {}).get("pageSize"), 30) or 30)
        index = max(1, as_int((pager or {}).get("pageIndex"), 1) or 1)
        page = rows[(index - 1) * size : index * size]
        return kobj(object_type, objects=[_public(a) for a in page], totalCount=len(rows))

    return lister


for _table, _list_class, _filters in (
    ("caption_assets", "KalturaCaptionAssetListResponse", ("KalturaCaptionAssetFilter",)),
    (
        "attachment_assets",
        "KalturaAttachmentAssetListResponse",
        ("KalturaAttachmentAssetFilter", "KalturaTranscriptAssetFilter"),
    ),
    ("flavor_assets", "KalturaFlavorAssetListResponse", ("KalturaFlavorAssetFilter", "KalturaAssetFilter")),
):
    for _filter_class in _filters:
        register_lister(_filter_class, _related_lister(_table, _list_class))


def _store_content(asset: dict[str, Any], data: bytes, name: str) -> None:
    asset["_content"] = data
    asset["size"] = max(1, len(data) // 1024)
    asset["sizeInBytes"] = len(data)
    asset["status"] = READY
    asset["version"] = int(asset.get("version") or 0) + 1
    asset["updatedAt"] = int(time.time())
    if not asset.get("fileExt") and "." in name:
        asset["fileExt"] = name.rsplit(".", 1)[1]


def download_ks(ctx: CallContext, asset: dict[str, Any], expiry_seconds: int = 86400) -> str:
    """``asset::getDownloadUrlWithExpiry``: a USER KS of the asset's partner, no user, that may
    download this one asset of this one entry (the caller's own KS never goes into the URL)."""
    from kaltura_sandbox.services.session import issue_for_partner

    partner = ctx.store.get("partners", asset["partnerId"])
    assert partner is not None
    entry_id, asset_id = asset["entryId"], asset["id"]
    return issue_for_partner(
        partner,
        user="",
        type_=0,
        expiry_seconds=expiry_seconds,
        privileges=f"download:{entry_id},disableentitlementforentry:{entry_id},sview:{entry_id},downloadasset:{asset_id}",
    )


def _serve_url(ctx: CallContext, service: str, param: str, asset: dict[str, Any]) -> str:
    """``CaptionAsset/AttachmentAsset::getFinalDownloadUrlPathWithoutKs`` + ``/ks/<download KS>``:
    ``/api_v3/index.php/service/<service>/action/serve/<param>/<id>[/v/<version>]/ks/<ks>``."""
    version = int(asset.get("version") or 1)
    path = f"/api_v3/index.php/service/{service}/action/serve/{param}/{asset['id']}"
    if version > 1:
        path += f"/v/{version}"
    return f"{ctx.base_url}{path}/ks/{download_ks(ctx, asset)}"


def _update_fields(asset: dict[str, Any], changes: dict[str, Any], allowed: set[str], insert_only: set[str]) -> None:
    for name, value in (changes or {}).items():
        if name == "objectType":
            continue
        if name in insert_only:
            if value is not None and str(value) != str(asset.get(name)):
                raise_error("PROPERTY_VALIDATION_NOT_UPDATABLE", PROP_NAME=name)
            continue
        if name in allowed:
            asset[name] = value
    asset["updatedAt"] = int(time.time())


# ---------------------------------------------------------------------------------------------
# Caption assets

CAPTION_UPDATABLE = {
    "tags",
    "partnerData",
    "partnerDescription",
    "language",
    "label",
    "isDefault",
    "accuracy",
    "displayOnPlayer",
    "associatedTranscriptIds",
    "usage",
}
CAPTION_INSERT_ONLY = {"captionParamsId", "format", "source", "parentId", "fileExt"}


def _clear_default(ctx: CallContext, entry_id: str, keep: str) -> None:
    for other in ctx.store.rows("caption_assets"):
        if other["entryId"] == entry_id and other["id"] != keep and other.get("isDefault"):
            other["isDefault"] = False


@action("caption_captionasset", "add")
def caption_add(ctx: CallContext, entryId: str, captionAsset: dict[str, Any]) -> dict[str, Any]:
    entry = _entry(ctx, entryId, "edit")
    if int(entry.get("mediaType") or 0) not in (1, 5):
        raise_error("ENTRY_ID_NOT_FOUND", ENTRY_ID=entryId)
    spec = captionAsset or {}
    if spec.get("captionParamsId") not in (None, ""):
        for other in ctx.store.rows("caption_assets"):
            if other["entryId"] == entryId and str(other.get("captionParamsId")) == str(spec["captionParamsId"]):
                raise_error("CAPTION_ASSET_ALREADY_EXISTS", ASSET_ID=other["id"], PARAMS_ID=spec["captionParamsId"])
    session = ctx.require_session()
    asset_id = f"0_ca{ctx.store.next_int('caption_asset'):06d}"
    asset = _base_asset(ctx, "KalturaCaptionAsset", asset_id, entry, spec)
    fmt = str(spec.get("format") or "1")
    language = spec.get("language")
    display = as_bool(spec.get("displayOnPlayer"), True)
    if session.has("enablecaptionmoderation"):
        display = False
    asset.update(
        fileExt=spec.get("fileExt") or CAPTION_EXT.get(fmt, "srt"),
        captionParamsId=as_int(spec.get("captionParamsId")),
        language=language,
        languageCode=LANGUAGE_CODES.get(str(language)),
        isDefault=as_nullable_bool(spec.get("isDefault")) or False,
        label=spec.get("label"),
        format=fmt,
        source=spec.get("source"),
        status=QUEUED,
        parentId=spec.get("parentId"),
        accuracy=as_int(spec.get("accuracy")),
        displayOnPlayer=display,
        associatedTranscriptIds=spec.get("associatedTranscriptIds"),
        usage=spec.get("usage") or "0",
    )
    if asset["isDefault"]:
        _clear_default(ctx, entryId, asset_id)
    return _public(ctx.store.put("caption_assets", asset_id, asset))


@action("caption_captionasset", "setContent")
def caption_set_content(ctx: CallContext, id: str, contentResource: dict[str, Any]) -> dict[str, Any]:
    asset = _asset(ctx, "caption_assets", id, "CAPTION_ASSET_ID_NOT_FOUND", "edit")
    data, name = resolve_resource(ctx, contentResource, ("KalturaCaptionAsset", id))
    _store_content(asset, data, name)
    return _public(asset)


@action("caption_captionasset", "get")
def caption_get(ctx: CallContext, captionAssetId: str) -> dict[str, Any]:
    return _public(_asset(ctx, "caption_assets", captionAssetId, "CAPTION_ASSET_ID_NOT_FOUND"))


@action("caption_captionasset", "list")
def caption_list(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    return _list(ctx, "caption_assets", "KalturaCaptionAssetListResponse", filter, pager)


@action("caption_captionasset", "update")
def caption_update(ctx: CallContext, id: str, captionAsset: dict[str, Any]) -> dict[str, Any]:
    asset = _asset(ctx, "caption_assets", id, "CAPTION_ASSET_ID_NOT_FOUND", "edit")
    changes = dict(captionAsset or {})
    if ctx.require_session().has("enablecaptionmoderation") and "displayOnPlayer" in changes:
        changes["displayOnPlayer"] = False
    _update_fields(asset, changes, CAPTION_UPDATABLE, CAPTION_INSERT_ONLY)
    if "accuracy" in changes:
        asset["accuracy"] = as_int(changes["accuracy"])
    if "isDefault" in changes:
        asset["isDefault"] = as_nullable_bool(changes["isDefault"])
    if "displayOnPlayer" in changes:
        asset["displayOnPlayer"] = as_bool(changes["displayOnPlayer"], True)
    if asset.get("isDefault"):
        _clear_default(ctx, asset["entryId"], id)
    return _public(asset)


@action("caption_captionasset", "getUrl")
def caption_get_url(ctx: CallContext, id: str, storageId: str | None = None) -> str:
    asset = _asset(ctx, "caption_assets", id, "CAPTION_ASSET_ID_NOT_FOUND")
    if int(asset["status"]) != READY:
        raise_error("CAPTION_ASSET_IS_NOT_READY")
    return _serve_url(ctx, "caption_captionAsset", "captionAssetId", asset)


@action("caption_captionasset", "serve")
def caption_serve(ctx: CallContext, captionAssetId: str) -> RawResponse:
    asset = _asset(ctx, "caption_assets", captionAssetId, "CAPTION_ASSET_ID_NOT_FOUND")
    if int(asset["status"]) != READY:
        raise_error("CAPTION_ASSET_IS_NOT_READY")
    ext = asset.get("fileExt") or "srt"
    return RawResponse(
        asset.get("_content", b""),
        media_type=CAPTION_MIME.get(ext, "text/plain"),
        headers={"Content-Disposition": f'attachment; filename="{captionAssetId}.{ext}"'},
    )


@action("caption_captionasset", "delete")
def caption_delete(ctx: CallContext, captionAssetId: str) -> None:
    asset = _asset(ctx, "caption_assets", captionAssetId, "CAPTION_ASSET_ID_NOT_FOUND", "edit")
    asset["status"] = DELETED
    asset["deletedAt"] = int(time.time())


@action("caption_captionasset", "setAsDefault")
def caption_set_as_default(ctx: CallContext, captionAssetId: str) -> None:
    asset = _asset(ctx, "caption_assets", captionAssetId, "CAPTION_ASSET_ID_NOT_FOUND", "edit")
    asset["isDefault"] = True
    _clear_default(ctx, asset["entryId"], captionAssetId)


# ---------------------------------------------------------------------------------------------
# Attachment (and transcript) assets

ATTACHMENT_TYPES = {"KalturaAttachmentAsset", "KalturaTextualAttachmentAsset", "KalturaTranscriptAsset"}
ATTACHMENT_UPDATABLE = {
    "tags",
    "partnerData",
    "partnerDescription",
    "filename",
    "title",
    "format",
    "language",
    "humanVerified",
    "accuracy",
    "providerType",
}


@action("attachment_attachmentasset", "add")
def attachment_add(ctx: CallContext, entryId: str, attachmentAsset: dict[str, Any]) -> dict[str, Any]:
    entry = _entry(ctx, entryId, "edit")
    spec = attachmentAsset or {}
    object_type = spec.get("objectType") or "KalturaAttachmentAsset"
    if object_type not in ATTACHMENT_TYPES:
        raise_error("INVALID_OBJECT_TYPE", TYPE=object_type)
    asset_id = f"0_at{ctx.store.next_int('attachment_asset'):06d}"
    asset = _base_asset(ctx, object_type, asset_id, entry, spec)
    asset.update(filename=spec.get("filename"), title=spec.get("title"), format=spec.get("format"), status=QUEUED)
    if object_type != "KalturaAttachmentAsset":
        asset.update(language=spec.get("language"), humanVerified=as_nullable_bool(spec.get("humanVerified")))
    if object_type == "KalturaTranscriptAsset":
        asset.update(accuracy=as_float(spec.get("accuracy")), providerType=spec.get("providerType"))
    return _public(ctx.store.put("attachment_assets", asset_id, asset))


@action("attachment_attachmentasset", "setContent")
def attachment_set_content(ctx: CallContext, id: str, contentResource: dict[str, Any]) -> dict[str, Any]:
    asset = _asset(ctx, "attachment_assets", id, "ATTACHMENT_ASSET_ID_NOT_FOUND", "edit")
    data, name = resolve_resource(ctx, contentResource, ("KalturaAttachmentAsset", id))
    _store_content(asset, data, name)
    return _public(asset)


@action("attachment_attachmentasset", "get")
def attachment_get(ctx: CallContext, attachmentAssetId: str) -> dict[str, Any]:
    return _public(_asset(ctx, "attachment_assets", attachmentAssetId, "ATTACHMENT_ASSET_ID_NOT_FOUND"))


@action("attachment_attachmentasset", "list")
def attachment_list(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    return _list(ctx, "attachment_assets", "KalturaAttachmentAssetListResponse", filter, pager)


@action("attachment_attachmentasset", "update")
def attachment_update(ctx: CallContext, id: str, attachmentAsset: dict[str, Any]) -> dict[str, Any]:
    asset = _asset(ctx, "attachment_assets", id, "ATTACHMENT_ASSET_ID_NOT_FOUND", "edit")
    _update_fields(asset, attachmentAsset, ATTACHMENT_UPDATABLE, {"fileExt"})
    return _public(asset)


@action("attachment_attachmentasset", "getUrl")
def attachment_get_url(ctx: CallContext, id: str, storageId: str | None = None) -> str:
    asset = _asset(ctx, "attachment_assets", id, "ATTACHMENT_ASSET_ID_NOT_FOUND")
    if int(asset["status"]) != READY:
        raise_error("ATTACHMENT_ASSET_IS_NOT_READY")
    return _serve_url(ctx, "attachment_attachmentAsset", "attachmentAssetId", asset)


@action("attachment_attachmentasset", "serve")
def attachment_serve(ctx: CallContext, attachmentAssetId: str) -> RawResponse:
    asset = _asset(ctx, "attachment_assets", attachmentAssetId, "ATTACHMENT_ASSET_ID_NOT_FOUND")
    if int(asset["status"]) != READY:
        raise_error("ATTACHMENT_ASSET_IS_NOT_READY")
    return RawResponse(asset.get("_content", b""), media_type="application/octet-stream")


@action("attachment_attachmentasset", "delete")
def attachment_delete(ctx: CallContext, attachmentAssetId: str) -> None:
    asset = _asset(ctx, "attachment_assets", attachmentAssetId, "ATTACHMENT_ASSET_ID_NOT_FOUND", "edit")
    asset["status"] = DELETED


# ---------------------------------------------------------------------------------------------
# Flavor assets


def _flavor(ctx: CallContext, flavor_id: str, privilege: str = "sview") -> dict[str, Any]:
    flavor = ctx.store.get("flavor_assets", flavor_id)
    session = ctx.require_session()
    if flavor is None or int(flavor["partnerId"]) != session.partner_id or int(flavor.get("status", 0)) == DELETED:
        raise_error("FLAVOR_ASSET_ID_NOT_FOUND", ID=flavor_id)
    assert flavor is not None
    entry = ctx.store.get("entries", flavor["entryId"])
    check_entry_access(ctx, entry or {}, privilege)
    return flavor


@action("flavorasset", "list")
def flavor_list(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    return _list(ctx, "flavor_assets", "KalturaFlavorAssetListResponse", filter, pager)


@action("flavorasset", "get")
def flavor_get(ctx: CallContext, id: str) -> dict[str, Any]:
    return _public(_flavor(ctx, id))


@action("flavorasset", "getByEntryId")
def flavor_get_by_entry(ctx: CallContext, entryId: str) -> list[dict[str, Any]]:
    _entry(ctx, entryId, "sview")
    return [
        _public(f) for f in ctx.store.rows("flavor_assets") if f["entryId"] == entryId and int(f["status"]) != DELETED
    ]


@action("flavorasset", "getUrl")
def flavor_get_url(
    ctx: CallContext, id: str, storageId: str | None = None, forceProxy: str | None = None, options: Any = None
) -> str:
    flavor = _flavor(ctx, id, "download")
    if int(flavor["status"]) != READY:
        raise_error("FLAVOR_ASSET_ID_NOT_FOUND", ID=id)
    from kaltura_sandbox.services.session import issue_for_partner

    partner = ctx.store.get("partners", flavor["partnerId"])
    assert partner is not None
    entry_id = flavor["entryId"]
    download_ks = issue_for_partner(
        partner,
        user="",
        type_=0,
        expiry_seconds=86400,
        privileges=f"download:{entry_id},disableentitlementforentry:{entry_id},sview:{entry_id},downloadasset:{id}",
    )
    pid = flavor["partnerId"]
    return f"{ctx.base_url}/p/{pid}/sp/{pid}00/download/entry_id/{entry_id}/flavor/{id}/ks/{download_ks}/a.{flavor.get('fileExt') or 'mp4'}"


@action("flavorasset", "getDownloadUrl")
def flavor_get_download_url(ctx: CallContext, id: str, useCdn: str | None = None) -> str:
    """FlavorAssetService::getDownloadUrlAction: the same signed download URL as getUrl."""
    return flavor_get_url(ctx, id)


@action("flavorasset", "add")
def flavor_add(ctx: CallContext, entryId: str, flavorAsset: dict[str, Any]) -> dict[str, Any]:
    """FlavorAssetService::addAction: one flavor per entry and flavor params; the params give the asset
    its tags, container, size and bitrate (``setFromAssetParams``), and tags sent with the add replace
    them. ``isOriginal`` is read-only (set only for params tagged ``source``)."""
    entry = _entry(ctx, entryId, "edit")
    if int(entry.get("type") or 1) != 1 or int(entry.get("mediaType") or 0) not in (1, 5):
        raise_error("ENTRY_ID_NOT_FOUND", ENTRY_ID=entryId)
    spec = flavorAsset or {}
    for readonly in ("isOriginal", "isWeb", "bitrate", "width", "height", "status", "containerFormat"):
        if spec.get(readonly) not in (None, ""):
            raise_error("PROPERTY_VALIDATION_NOT_UPDATABLE", PROP_NAME=f"KalturaFlavorAsset::{readonly}")
    params_id = as_int(spec.get("flavorParamsId"))
    if params_id is not None:
        taken = next(
            (
                f
                for f in ctx.store.rows("flavor_assets")
                if f["entryId"] == entry["id"] and f.get("flavorParamsId") == params_id and int(f["status"]) != DELETED
            ),
            None,
        )
        if taken is not None:
            raise_error("FLAVOR_ASSET_ALREADY_EXISTS", ASSET_ID=taken["id"], PARAMS_ID=str(params_id))
    params = ctx.store.get("flavor_params", params_id) if params_id is not None else None
    flavor_id = f"0_fl{ctx.store.next_int('flavor_seq'):06d}"
    flavor = _base_asset(ctx, "KalturaFlavorAsset", flavor_id, entry, spec)
    tags = spec.get("tags") or (params or {}).get("tags") or ""
    flavor.update(
        tags=tags,
        flavorParamsId=params_id,
        width=int((params or {}).get("width") or 0),
        height=int((params or {}).get("height") or 0),
        bitrate=int((params or {}).get("videoBitrate") or 0) + int((params or {}).get("audioBitrate") or 0),
        frameRate=float((params or {}).get("frameRate") or 0.0),
        isOriginal="source" in _tag_set(tags),
        isWeb="web" in _tag_set(tags),
        containerFormat=str((params or {}).get("format") or ""),
        videoCodecId=str((params or {}).get("videoCodec") or ""),
        status=QUEUED,
        language=spec.get("language"),
        label=spec.get("label"),
        isDefault=as_nullable_bool(spec.get("isDefault")),
        _kind="added",
        _hls=None,
    )
    return _public(ctx.store.put("flavor_assets", flavor_id, flavor))


def _tag_set(tags: str) -> set[str]:
    return {t.strip() for t in str(tags or "").split(",") if t.strip()}


@action("flavorasset", "update")
def flavor_update(ctx: CallContext, id: str, flavorAsset: dict[str, Any]) -> dict[str, Any]:
    """FlavorAssetService::updateAction: the updatable fields only (flavorParamsId is insert-only)."""
    flavor = _flavor(ctx, id, "edit")
    changes = dict(flavorAsset or {})
    if "isDefault" in changes:
        changes["isDefault"] = as_nullable_bool(changes["isDefault"])
    allowed = {"tags", "fileExt", "partnerData", "partnerDescription", "language", "label", "isDefault"}
    _update_fields(flavor, changes, allowed, {"flavorParamsId"})
    if "tags" in changes:
        flavor["isWeb"] = "web" in _tag_set(flavor.get("tags") or "")
    return _public(flavor)


def _package_hls(path: Path) -> str | None:
    """HLS segments of an uploaded flavor (the packager serves any playable MP4), or None."""
    import subprocess

    out = path.with_name(f"{path.stem}-hls")
    out.mkdir(exist_ok=True)
    result = subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", "-i", str(path), "-c", "copy", "-f", "hls", "-hls_time", "4",
         "-hls_list_size", "0", "-hls_playlist_type", "vod", "-hls_segment_filename", str(out / "seg-%d-a1.ts"),
         str(out / "index.m3u8")],
        capture_output=True,
        timeout=600,
    )  # fmt: skip
    return str(out / "index.m3u8") if result.returncode == 0 else None


@action("flavorasset", "setContent")
def flavor_set_content(ctx: CallContext, id: str, contentResource: dict[str, Any]) -> dict[str, Any]:
    """Replace the flavor's file; Kaltura's media-info step then reports its container and bitrate."""
    from kaltura_sandbox.media import probe

    flavor = _flavor(ctx, id, "edit")
    data, name = resolve_resource(ctx, contentResource, ("KalturaFlavorAsset", id))
    folder = Path(ctx.store.extra.get("media_dir", "/tmp")) / "uploaded"
    folder.mkdir(parents=True, exist_ok=True)
    ext = flavor.get("fileExt") or (name.rsplit(".", 1)[1] if "." in name else "mp4")
    path = folder / f"{id}-{uuid.uuid4().hex[:6]}.{ext}"
    path.write_bytes(data)
    facts = probe(path)
    fmt = facts.get("format") or {}
    flavor.update(
        fileExt=ext,
        size=max(1, len(data) // 1024),
        sizeInBytes=len(data),
        status=READY,
        version=int(flavor.get("version") or 0) + 1,
        _path=str(path),
        updatedAt=int(time.time()),
    )
    if fmt:
        flavor["bitrate"] = int(int(fmt.get("bit_rate") or 0) / 1000) or flavor.get("bitrate") or 0
        if "mp4" in str(fmt.get("format_name") or ""):
            flavor["containerFormat"] = "isom"
        flavor["_hls"] = _package_hls(path)
    return _public(flavor)


# ---------------------------------------------------------------------------------------------
# Cue points (chapters): plugins/cue_points (base + thumb_cue_point) of kaltura/server
#
# * add: validateForInsert (entryId, startTime >= 0 and not past the entry's length, tags <= 255),
#   a systemName unique per entry (CUE_POINT_SYSTEM_NAME_EXISTS), status READY, except that a thumb
#   cue point without subType is a SLIDE, which waits PENDING for its timed thumbnail.
# * addFromBulk: the file is checked against the ingestion schema first (XML_INVALID, nothing made);
#   then each scene is saved in turn, so a scene that fails (an entry that cannot be found:
#   INVALID_ENTRY_ID, with no message) leaves the scenes before it made. A scene whose sceneId or
#   systemName names an existing cue point updates it instead. Thumb scenes keep only their start
#   time, tags, entry and systemName: ThumbCuePointPlugin::parseXml reads no title, description or
#   subType, so a bulk "chapter" is an untitled SLIDE, PENDING.
# * get/update/delete: INVALID_CUE_POINT_ID for an id not found (deleted ones included); delete sets
#   status DELETED (2), and deleted cue points are left out of list/count.
# * list: needs idEqual/idIn/entryIdEqual/entryIdIn (KalturaCuePointFilter::validateEntryIdFiltered).

CUE_READY, CUE_DELETED, CUE_PENDING = 1, 2, 4
SLIDE, CHAPTER = 1, 2
THUMB = "thumbCuePoint.Thumb"
CUE_POINT_TYPES = {
    "KalturaThumbCuePoint": THUMB,
    "KalturaAdCuePoint": "adCuePoint.Ad",
    "KalturaAnnotation": "annotation.Annotation",
    "KalturaCodeCuePoint": "codeCuePoint.Code",
}
MAX_CUE_TAGS = 255  # CuePointPeer::MAX_TAGS_LENGTH
MAX_THUMB_TITLE = 255  # KalturaThumbCuePoint::MAX_TITLE_LEN (longer titles are cut)


def _cue_entry(ctx: CallContext, entry_id: str) -> dict[str, Any]:
    if not entry_id:
        raise_error("PROPERTY_VALIDATION_CANNOT_BE_NULL", PROP_NAME="KalturaCuePoint::entryId")
    return _entry(ctx, entry_id, "edit")


def _check_start(entry: dict[str, Any], start: int) -> None:
    if start < 0:
        raise_error("START_TIME_CANNOT_BE_LESS_THAN_0")
    length = int(entry.get("msDuration") or 0)
    if length and start > length:
        raise_error("START_TIME_IS_BIGGER_THAN_ENTRY_END_TIME", CUE_POINT_ID=start, END_TIME=length)


def _check_tags(tags: Any) -> None:
    if tags is not None and len(str(tags)) > MAX_CUE_TAGS:
        raise_error("PROPERTY_VALIDATION_MAX_LENGTH", PROP_NAME="KalturaCuePoint::tags", MAX_LEN=MAX_CUE_TAGS)


def _by_system_name(ctx: CallContext, entry_id: str, system_name: str) -> dict[str, Any] | None:
    for cue in ctx.store.rows("cue_points"):
        if cue["entryId"] == entry_id and cue.get("systemName") == system_name and cue["status"] != CUE_DELETED:
            return cue
    return None


def _new_cue_point(
    ctx: CallContext, entry: dict[str, Any], object_type: str, spec: dict[str, Any], user_id: str | None
) -> dict[str, Any]:
    number = ctx.store.next_int("cue_point")
    now = int(time.time())
    cue = kobj(
        object_type,
        id=f"0_cp{number:06d}",
        intId=number,
        cuePointType=CUE_POINT_TYPES.get(object_type, THUMB),
        status=CUE_READY,
        entryId=entry["id"],
        partnerId=entry["partnerId"],
        createdAt=now,
        updatedAt=now,
        triggeredAt=as_int(spec.get("triggeredAt")),
        tags=spec.get("tags") or None,
        startTime=as_int(spec.get("startTime"), 0),
        userId=user_id,
        partnerData=spec.get("partnerData"),
        partnerSortValue=as_int(spec.get("partnerSortValue")),
        forceStop=as_int(spec.get("forceStop")),
        thumbOffset=as_int(spec.get("thumbOffset")),
        systemName=spec.get("systemName") or None,
        isMomentary=False,
        copiedFrom=None,
    )
    if object_type == "KalturaThumbCuePoint":
        title = spec.get("title")
        sub_type = as_int(spec.get("subType")) or SLIDE  # ThumbCuePoint::preInsert
        cue.update(
            assetId=spec.get("assetId") or None,
            description=spec.get("description"),
            title=str(title)[:MAX_THUMB_TITLE] if title is not None else None,
            subType=sub_type,
        )
        if sub_type == SLIDE:
            cue["status"] = CUE_PENDING  # a slide waits for its timed thumbnail asset
    return ctx.store.put("cue_points", cue["id"], cue)


def _cue(ctx: CallContext, cue_id: str) -> dict[str, Any]:
    cue = ctx.store.get("cue_points", cue_id)
    if cue is None or cue["status"] == CUE_DELETED or int(cue["partnerId"]) != ctx.require_session().partner_id:
        raise_error("INVALID_CUE_POINT_ID", ID=cue_id)
    assert cue is not None
    return cue


@action("cuepoint_cuepoint", "add")
def cue_point_add(ctx: CallContext, cuePoint: dict[str, Any]) -> dict[str, Any]:
    """CuePointService::addAction."""
    spec = dict(cuePoint or {})
    object_type = spec.get("objectType") or "KalturaThumbCuePoint"
    if object_type not in CUE_POINT_TYPES:
        raise_error("INVALID_OBJECT_TYPE", TYPE=object_type)
    entry = _cue_entry(ctx, str(spec.get("entryId") or ""))
    _check_start(entry, as_int(spec.get("startTime"), 0) or 0)
    _check_tags(spec.get("tags"))
    with ctx.store.lock:
        if spec.get("systemName"):
            existing = _by_system_name(ctx, entry["id"], str(spec["systemName"]))
            if existing is not None:
                raise_error("CUE_POINT_SYSTEM_NAME_EXISTS", NAME=spec["systemName"], ID=existing["id"])
        user = spec.get("userId") if spec.get("userId") is not None else ctx.require_session().user
        return _public(_new_cue_point(ctx, entry, object_type, spec, user))


# The ingestion schema (plugins/cue_points/base/xml/ingestion.xsd + T_scene_thumbCuePoint): element
# order and limits of a thumb scene.
_SCENE_KINDS = {"scene-thumb-cue-point", "scene-ad-cue-point", "scene-annotation", "scene-code-cue-point"}
_XS_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d+)?$")


def _schema_problem(root: Any) -> str | None:
    """Why a bulk file breaks the ingestion schema (None when it does not), for thumb scenes."""
    if root.tag != "scenes":
        return f"root element is <{root.tag}>, not <scenes>"
    scenes = list(root)
    if not scenes:
        return "<scenes> holds no scene"
    for number, scene in enumerate(scenes, start=1):
        if scene.tag not in _SCENE_KINDS:
            return f"scene {number}: <{scene.tag}> is not a scene element"
        if scene.tag != "scene-thumb-cue-point":
            return f"scene {number}: the sandbox ingests scene-thumb-cue-point only"
        entry_id = scene.get("entryId")
        if not entry_id or len(entry_id) > 20:
            return f"scene {number}: entryId is required (at most 20 characters)"
        if len(scene.get("systemName") or "") > 120 or len(scene.get("sceneId") or "") > 250:
            return f"scene {number}: systemName (120) or sceneId (250) too long"
        names = [child.tag for child in scene]
        order = ["sceneStartTime", "tags", "title", "description", "subType"]
        core = [n for n in names if n != "scene-extension"]
        if [n for n in order if n in core] != core or len(set(core)) != len(core):
            return f"scene {number}: elements {core} are not in the schema's order {order}"
        for required in ("sceneStartTime", "title", "description"):
            if required not in core:
                return f"scene {number}: <{required}> is missing"
        if not _XS_TIME.match((scene.findtext("sceneStartTime") or "").strip()):
            return f"scene {number}: sceneStartTime is not an xs:time (HH:MM:SS[.fff])"
        tags = scene.find("tags")
        if tags is not None:
            values = list(tags)
            if not values or any(t.tag != "tag" or len(t.text or "") > 30 for t in values):
                return f"scene {number}: <tags> needs one or more <tag> of at most 30 characters"
        sub_type = scene.findtext("subType")
        if sub_type is not None and sub_type.strip() not in ("1", "2"):
            return f"scene {number}: subType must be 1 (SLIDE) or 2 (CHAPTER)"
    return None


def _time_to_ms(text: str) -> int:
    """kXml::timeToInteger."""
    hours, minutes, seconds = [*text.strip().split(":"), "0", "0"][:3]
    return round(int(hours) * 3_600_000 + int(minutes) * 60_000 + float(seconds) * 1000)


@action("cuepoint_cuepoint", "addFromBulk")
def cue_point_add_from_bulk(ctx: CallContext, fileData: Any) -> dict[str, Any]:
    """CuePointService::addFromBulkAction → kCuePointManager::addFromXml (see the section comment)."""
    import xml.etree.ElementTree as ET

    session = ctx.require_session()
    data = getattr(fileData, "data", b"")
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        raise_error("XML_INVALID")
    if _schema_problem(root) is not None:
        raise_error("XML_INVALID")
    created: list[dict[str, Any]] = []
    for done, scene in enumerate(root):
        if ctx.fail_after_items is not None and done >= ctx.fail_after_items[0]:
            raise ctx.fail_after_items[1]
        entry_id = str(scene.get("entryId"))
        entry = ctx.store.get("entries", entry_id)
        reachable = entry is not None and int(entry["partnerId"]) == session.partner_id
        if reachable:
            try:
                check_entry_access(ctx, entry, "sview")  # type: ignore[arg-type]
            except KalturaAPIError:
                reachable = False
        if not reachable:
            # kCoreException(INVALID_ENTRY_ID) rethrown as KalturaAPIException(code): no message
            raise KalturaAPIError("INVALID_ENTRY_ID", "")
        assert entry is not None
        tags = ",".join((t.text or "").strip() for t in scene.findall("tags/tag") if (t.text or "").strip()) or None
        start = _time_to_ms(scene.findtext("sceneStartTime") or "0")
        system_name = scene.get("systemName") or None
        with ctx.store.lock:
            cue = None
            if scene.get("sceneId"):
                cue = ctx.store.get("cue_points", scene.get("sceneId"))
            if cue is None and system_name:
                cue = _by_system_name(ctx, entry_id, system_name)
            if cue is None:
                # title, description and subType are not read (ThumbCuePointPlugin::parseXml)
                spec = {"startTime": start, "tags": tags, "systemName": system_name}
                cue = _new_cue_point(ctx, entry, "KalturaThumbCuePoint", spec, None)
            else:
                cue.update(startTime=start, tags=tags, updatedAt=int(time.time()))
                if system_name:
                    cue["systemName"] = system_name
        created.append(_public(cue))
    return kobj("KalturaCuePointListResponse", objects=created, totalCount=len(created))


@action("cuepoint_cuepoint", "update")
def cue_point_update(ctx: CallContext, id: str, cuePoint: dict[str, Any]) -> dict[str, Any]:
    """CuePointService::updateAction (validateForUpdate; readonly fields are refused)."""
    cue = _cue(ctx, id)
    entry = _cue_entry(ctx, cue["entryId"])
    spec = dict(cuePoint or {})
    if spec.get("entryId") not in (None, "", cue["entryId"]):
        raise_error("CANNOT_UPDATE_ENTRY_ID")
    if spec.get("startTime") not in (None, ""):
        _check_start(entry, as_int(spec.get("startTime"), 0) or 0)
    _check_tags(spec.get("tags"))
    with ctx.store.lock:
        name = spec.get("systemName")
        if name and name != cue.get("systemName"):
            existing = _by_system_name(ctx, entry["id"], str(name))
            if existing is not None:
                raise_error("CUE_POINT_SYSTEM_NAME_EXISTS", NAME=name, ID=existing["id"])
        for field in ("startTime", "triggeredAt", "partnerSortValue", "thumbOffset", "forceStop", "subType"):
            if spec.get(field) not in (None, ""):
                cue[field] = as_int(spec[field])
        for field in ("tags", "partnerData", "systemName", "userId", "assetId", "description"):
            if spec.get(field) is not None:
                cue[field] = spec[field]
        if spec.get("title") is not None:
            cue["title"] = str(spec["title"])[:MAX_THUMB_TITLE]
        cue["updatedAt"] = int(time.time())
    return _public(cue)


def _filter_cue_points(rows: list[dict[str, Any]], f: dict[str, Any]) -> list[dict[str, Any]]:
    def split(value: Any) -> set[str]:
        return {x.strip() for x in str(value).split(",") if x.strip()}

    def tags_of(cue: dict[str, Any]) -> set[str]:
        return split(cue.get("tags") or "")

    checks: list[tuple[str, Any]] = [
        ("idEqual", lambda c, v: c["id"] == v),
        ("idIn", lambda c, v: c["id"] in split(v)),
        ("entryIdEqual", lambda c, v: c["entryId"] == v),
        ("entryIdIn", lambda c, v: c["entryId"] in split(v)),
        ("tagsLike", lambda c, v: any(v in t for t in tags_of(c))),
        ("tagsMultiLikeOr", lambda c, v: bool(split(v) & tags_of(c))),
        ("tagsMultiLikeAnd", lambda c, v: split(v) <= tags_of(c)),
        ("cuePointTypeEqual", lambda c, v: c.get("cuePointType") == v),
        ("cuePointTypeIn", lambda c, v: c.get("cuePointType") in split(v)),
        ("statusEqual", lambda c, v: int(c["status"]) == int(v)),
        ("statusIn", lambda c, v: str(c["status"]) in split(v)),
        ("subTypeEqual", lambda c, v: str(c.get("subType")) == str(v)),
        ("subTypeIn", lambda c, v: str(c.get("subType")) in split(v)),
        ("startTimeGreaterThanOrEqual", lambda c, v: int(c.get("startTime") or 0) >= int(v)),
        ("startTimeLessThanOrEqual", lambda c, v: int(c.get("startTime") or 0) <= int(v)),
        ("systemNameEqual", lambda c, v: c.get("systemName") == v),
        ("systemNameIn", lambda c, v: c.get("systemName") in split(v)),
        ("userIdEqual", lambda c, v: c.get("userId") == v),
    ]
    out = []
    for cue in rows:
        if all(f.get(name) in (None, "") or check(cue, f[name]) for name, check in checks):
            out.append(cue)
    return out


_CUE_ORDER = {"startTime", "createdAt", "updatedAt", "partnerSortValue", "triggeredAt"}


@action("cuepoint_cuepoint", "list")
def cue_point_list(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    """CuePointService::listAction: the partner's cue points the filter names (deleted ones never)."""
    session = ctx.require_session()
    f = dict(filter or {})
    if not any(f.get(k) for k in ("idEqual", "idIn", "entryIdEqual", "entryIdIn")):
        cls = f.get("objectType") or "KalturaCuePointFilter"
        raise_error(
            "PROPERTY_VALIDATION_CANNOT_BE_NULL",
            PROP_NAME=f"{cls}::idEqual/{cls}::idIn/{cls}::entryIdEqual/{cls}::entryIdIn",
        )
    rows = [c for c in ctx.store.rows("cue_points") if int(c["partnerId"]) == session.partner_id]
    rows = [c for c in rows if c["status"] != CUE_DELETED]
    if session.type != 2:
        allowed: set[str] = set()
        for name in ("sview", "edit", "download", "list"):
            allowed |= set(session.privileges.get(name, "").split("/"))
        rows = [c for c in rows if c["entryId"] in allowed or "*" in allowed]
    rows = _filter_cue_points(rows, f)
    order = str(f.get("orderBy") or "")
    if order[1:] in _CUE_ORDER:
        rows.sort(key=lambda c: (int(c.get(order[1:]) or 0), c["intId"]), reverse=order.startswith("-"))
    else:
        rows.sort(key=lambda c: c["intId"])
    if pager is None:
        size, index = 500, 1  # baseObjectFilter::getMaxInValues() when no pager is sent
    else:
        size = min(500, as_int(pager.get("pageSize"), 30) or 30)
        index = max(1, as_int(pager.get("pageIndex"), 1) or 1)
    page = rows[(index - 1) * size : index * size]
    return kobj("KalturaCuePointListResponse", objects=[_public(c) for c in page], totalCount=len(rows))


@action("cuepoint_cuepoint", "count")
def cue_point_count(ctx: CallContext, filter: dict[str, Any] | None = None) -> int:
    """CuePointService::countAction: how many cue points the list would hold."""
    return int(cue_point_list(ctx, filter, {"pageSize": 500})["totalCount"])


@action("cuepoint_cuepoint", "get")
def cue_point_get(ctx: CallContext, id: str) -> dict[str, Any]:
    """CuePointService::getAction."""
    return _public(_cue(ctx, id))


@action("cuepoint_cuepoint", "delete")
def cue_point_delete(ctx: CallContext, id: str) -> None:
    """CuePointService::deleteAction: status DELETED."""
    cue = _cue(ctx, id)
    with ctx.store.lock:
        cue["status"] = CUE_DELETED
        cue["updatedAt"] = int(time.time())


# ---------------------------------------------------------------------------------------------
# Schedule events (live captions)


def add_live_caption_feature(
    store: Any, event_id: int, task_id: int, language: str, pre_start: int, post_end: int
) -> None:
    """What the server does when a LIVE_CAPTION task is created: add ``LiveCaptionFeature-reach-<id>``."""
    event = store.get("schedule_events", event_id)
    if event is None:
        return
    event.setdefault("liveFeatures", []).append(
        kobj(
            "KalturaLiveCaptionFeature",
            systemName=f"LiveCaptionFeature-reach-{task_id}",
            preStartTime=pre_start,
            postEndTime=post_end,
            mediaUrl=None,
            mediaKey=None,
            captionUrl=None,
            captionToken=None,
            inputDelay=None,
            captionFormat=None,
            language=language,
        )
    )


@action("schedule_scheduleevent", "get")
def schedule_event_get(ctx: CallContext, scheduleEventId: str) -> dict[str, Any]:
    event = ctx.store.get("schedule_events", as_int(scheduleEventId))
    if event is None or int(event["partnerId"]) != ctx.require_session().partner_id:
        raise_error("INVALID_OBJECT_ID", ID=scheduleEventId)
    assert event is not None
    return _public(event)


@action("schedule_scheduleevent", "list")
def schedule_event_list(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``KalturaScheduleEventFilter``: idEqual/idIn, templateEntryIdEqual, statusEqual, start/end ranges."""
    session = ctx.require_session()
    f = filter or {}
    rows = [e for e in ctx.store.rows("schedule_events") if int(e["partnerId"]) == session.partner_id]
    checks = {
        "idEqual": lambda e, v: str(e["id"]) == v,
        "idIn": lambda e, v: str(e["id"]) in {x.strip() for x in v.split(",")},
        "templateEntryIdEqual": lambda e, v: str(e.get("templateEntryId")) == v,
        "statusEqual": lambda e, v: str(e.get("status")) == v,
        "startDateGreaterThanOrEqual": lambda e, v: int(e["startDate"]) >= int(v),
        "startDateLessThanOrEqual": lambda e, v: int(e["startDate"]) <= int(v),
        "endDateGreaterThanOrEqual": lambda e, v: int(e["endDate"]) >= int(v),
        "endDateLessThanOrEqual": lambda e, v: int(e["endDate"]) <= int(v),
    }
    for name, check in checks.items():
        if f.get(name) not in (None, ""):
            rows = [e for e in rows if check(e, str(f[name]))]
    rows.sort(key=lambda e: int(e["id"]))
    size = min(500, as_int((pager or {}).get("pageSize"), 30) or 30)
    index = max(1, as_int((pager or {}).get("pageIndex"), 1) or 1)
    page = rows[(index - 1) * size : index * size]
    return kobj("KalturaScheduleEventListResponse", objects=[_public(e) for e in page], totalCount=len(rows))


@action("schedule_scheduleevent", "updateLiveFeature")
def schedule_update_live_feature(
    ctx: CallContext, scheduledEventId: str, featureName: str, liveFeature: dict[str, Any]
) -> dict[str, Any]:
    event = ctx.store.get("schedule_events", as_int(scheduledEventId))
    session = ctx.require_session()
    if event is None or int(event["partnerId"]) != session.partner_id:
        raise_error("INVALID_OBJECT_ID", ID=scheduledEventId)
    assert event is not None
    if event.get("objectType") != "KalturaLiveStreamScheduleEvent":
        raise_error("INVALID_SCHEDULE_EVENT_TYPE", ID=scheduledEventId)
    for feature in event.get("liveFeatures") or []:
        if feature.get("systemName") == featureName:
            for name, value in (liveFeature or {}).items():
                if name != "objectType":
                    feature[name] = as_int(value) if name in ("inputDelay", "preStartTime", "postEndTime") else value
            event["updatedAt"] = int(time.time())
            return _public(event)
    raise_error("FEATURE_NAME_NOT_FOUND", NAME=featureName)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------
# Thumbnail assets and caption params: read actions a vendor may call. Scenario entries have no
# thumbnails and the partners no caption params of their own, so these answer as Kaltura does then.


@action("thumbasset", "list")
def thumb_list(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    f = filter or {}
    if not f.get("entryIdEqual") and not f.get("entryIdIn"):
        cls = f.get("objectType") or "KalturaThumbAssetFilter"
        raise_error("PROPERTY_VALIDATION_CANNOT_BE_NULL", PROP_NAME=f"{cls}::entryIdEqual/{cls}::entryIdIn")
    return _list(ctx, "thumb_assets", "KalturaThumbAssetListResponse", f, pager)


@action("thumbasset", "get")
def thumb_get(ctx: CallContext, thumbAssetId: str) -> dict[str, Any]:
    return _public(_asset(ctx, "thumb_assets", thumbAssetId, "THUMB_ASSET_ID_NOT_FOUND"))


@action("thumbasset", "getByEntryId")
def thumb_get_by_entry(ctx: CallContext, entryId: str) -> list[dict[str, Any]]:
    _entry(ctx, entryId, "sview")
    return [
        _public(t) for t in ctx.store.rows("thumb_assets") if t["entryId"] == entryId and int(t["status"]) != DELETED
    ]


@action("thumbasset", "getUrl")
def thumb_get_url(ctx: CallContext, id: str, storageId: str | None = None, thumbParams: Any = None) -> str:
    asset = _asset(ctx, "thumb_assets", id, "THUMB_ASSET_ID_NOT_FOUND")
    return _serve_url(ctx, "thumbAsset", "thumbAssetId", asset)


@action("caption_captionparams", "get")
def caption_params_get(ctx: CallContext, id: str) -> dict[str, Any]:
    ctx.require_session()
    params = ctx.store.get("caption_params", id)
    if params is None:
        raise_error("FLAVOR_PARAMS_ID_NOT_FOUND", ID=id)  # CaptionParamsService::getAction
    assert params is not None
    return _public(params)


@action("caption_captionparams", "list")
def caption_params_list(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    session = ctx.require_session()
    rows = [p for p in ctx.store.rows("caption_params") if int(p.get("partnerId") or 0) in (0, session.partner_id)]
    return kobj("KalturaCaptionParamsListResponse", objects=[_public(p) for p in rows], totalCount=len(rows))

"""Entries and their media: baseEntry / media get, update, list, getPlaybackContext, and the
delivery URLs a player (or a vendor) fetches: playManifest (progressive and HLS), serveFlavor
segments and flavor downloads, protected by a KS in the path (``/ks/<ks>``) or query (``?ks=``).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response

from kaltura_sandbox import ks as ks_module
from kaltura_sandbox.framework import (
    LANGUAGE_CODE,
    MULTI,
    CallContext,
    Store,
    action,
    check_entry_access,
    kobj,
    raise_error,
    request_language,
)
from kaltura_sandbox.profiles import register_lister

READ_ONLY = {
    "id",
    "partnerId",
    "status",
    "moderationStatus",
    "moderationCount",
    "createdAt",
    "updatedAt",
    "version",
    "plays",
    "views",
    "width",
    "height",
    "duration",
    "thumbnailUrl",
    "flavorParamsIds",
    "mediaType",
    "creatorId",
}
UPDATABLE = {"name", "description", "tags", "adminTags", "categories", "referenceId", "userId", "partnerData"}


# entry::$multiLingualSupportedFields: KalturaBaseEntry's KalturaMultiLingualStringArray properties
MULTILINGUAL_FIELDS = ("name", "description", "tags")


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def _set_multilingual(entry: dict[str, Any], field: str, items: list[Any], language: str | None) -> None:
    """``entry::getValueToSetInDbAndUpdateMultiLangObject`` for a KalturaMultiLingualString array.

    * The request must say ``language=multi`` (``WRONG_REQUEST_LANGUAGE`` otherwise: none, or a
      single language, is refused for an array).
    * Each item's language is upper-cased and must be a language code (``INVALID_LANGUAGE_CODE``).
    * The **first** item's language becomes the entry's default language and its value the field's
      plain value; the other items are the field's translations, and a language left out is
      removed, so a caller appends by sending what it read plus its own language.
    """
    mapping: dict[str, str] = {}
    for item in items:
        spec = item if isinstance(item, dict) else {}
        code = str(spec.get("language") or "")
        if not LANGUAGE_CODE.match(code):
            raise_error("INVALID_LANGUAGE_CODE", LANGUAGE_CODE=code)
        mapping[code.upper()] = "" if spec.get("value") is None else str(spec.get("value"))
    if language != MULTI:
        raise_error("WRONG_REQUEST_LANGUAGE", LANGUAGE=language or "")
    translations: dict[str, dict[str, str]] = entry.setdefault("_multilingual", {})
    if mapping:
        default = next(iter(mapping))
        entry["_default_language"] = default
        entry[field] = mapping.pop(default)
    if mapping:
        translations[field] = mapping
    else:
        translations.pop(field, None)


def render_entry(ctx: CallContext, entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as ``KalturaBaseEntry::doFromObject`` shows it in the call's language.

    ``multiLingualUtils::setCorrectLanguageValuesInResponse``: with ``language=multi`` each
    multilingual field is an array of ``KalturaMultiLingualString`` (default language first) under
    the field's own name, as Kaltura's serializers write it (the generated clients declare it as
    ``multiLingual_<field>``); with one language the field holds that language's value (empty when
    the language is mapped for another field only, the default value when it is not mapped at all);
    without a language, the default values. ``defaultLanguage`` and ``responseLanguage`` say which.
    """
    public = _public(entry)
    language = request_language(ctx.params)
    default = entry.get("_default_language")
    translations: dict[str, dict[str, str]] = entry.get("_multilingual") or {}
    if language == MULTI:
        public["responseLanguage"] = "multi"
        if translations or default:
            for field in MULTILINGUAL_FIELDS:
                pairs = {default or "": public.get(field) or "", **translations.get(field, {})}
                public[field] = [
                    kobj("KalturaMultiLingualString", language=code, value=value) for code, value in pairs.items()
                ]
    else:
        chosen = language if (language and default) else default
        mapped = {code for values in translations.values() for code in values}
        for field in MULTILINGUAL_FIELDS:
            value = translations.get(field, {}).get(chosen or "")
            if value:
                public[field] = value
            elif chosen in mapped:
                public[field] = ""
        public["responseLanguage"] = chosen if chosen in mapped else default
    public["defaultLanguage"] = default
    return public


def entry_for(ctx: CallContext, entry_id: str, privilege: str = "sview") -> dict[str, Any]:
    entry = ctx.store.get("entries", entry_id)
    if entry is None:
        raise_error("ENTRY_ID_NOT_FOUND", ENTRY_ID=entry_id)
    assert entry is not None
    check_entry_access(ctx, entry, privilege)
    return entry


def _get(ctx: CallContext, entryId: str, version: str = "-1") -> dict[str, Any]:
    return render_entry(ctx, entry_for(ctx, entryId))


def _update(ctx: CallContext, entryId: str, changes: dict[str, Any]) -> dict[str, Any]:
    entry = entry_for(ctx, entryId, "edit")
    language = request_language(ctx.params)
    changes = dict(changes or {})
    for field in MULTILINGUAL_FIELDS:
        # KalturaBaseService::adjustMultiLingualArguments: multiLingual_<field> replaces <field>
        if f"multiLingual_{field}" in changes:
            changes[field] = changes.pop(f"multiLingual_{field}")
    with ctx.store.lock:
        for name, value in changes.items():
            if name == "objectType":
                continue
            if name in MULTILINGUAL_FIELDS and isinstance(value, list):
                _set_multilingual(entry, name, value, language)
                continue
            if name in READ_ONLY:
                if value is not None and str(value) != str(entry.get(name)):
                    raise_error("PROPERTY_VALIDATION_NOT_UPDATABLE", PROP_NAME=name)
                continue
            if name in UPDATABLE:
                entry[name] = value
        entry["updatedAt"] = int(time.time())
    return render_entry(ctx, entry)


def _list(
    ctx: CallContext, filter: dict[str, Any] | None, pager: dict[str, Any] | None, object_type: str
) -> dict[str, Any]:
    session = ctx.require_session()
    f = filter or {}
    rows = [e for e in ctx.store.rows("entries") if int(e["partnerId"]) == session.partner_id]
    if f.get("idEqual"):
        rows = [e for e in rows if e["id"] == f["idEqual"]]
    if f.get("idIn"):
        wanted = {x.strip() for x in str(f["idIn"]).split(",")}
        rows = [e for e in rows if e["id"] in wanted]
    if session.type != 2:
        rows = [e for e in rows if _entry_allowed(session, e["id"])]
    rows.sort(key=lambda e: e["id"])
    size = min(500, int((pager or {}).get("pageSize") or 30))
    index = max(1, int((pager or {}).get("pageIndex") or 1))
    page = rows[(index - 1) * size : index * size]
    return kobj(object_type, objects=[render_entry(ctx, e) for e in page], totalCount=len(rows))


def _related_entries(
    store: Store, f: dict[str, Any], pager: dict[str, Any] | None, parent: dict[str, Any]
) -> dict[str, Any]:
    """``KalturaBaseEntryFilter`` for related profiles (e.g. a task's entry): the parent's partner."""
    partner = parent.get("partnerId")
    rows = [e for e in store.rows("entries") if partner is None or int(e["partnerId"]) == int(partner)]
    if f.get("idEqual"):
        rows = [e for e in rows if e["id"] == f["idEqual"]]
    if f.get("idIn"):
        wanted = {x.strip() for x in str(f["idIn"]).split(",")}
        rows = [e for e in rows if e["id"] in wanted]
    rows.sort(key=lambda e: e["id"])
    size = min(500, int((pager or {}).get("pageSize") or 30))
    return kobj("KalturaBaseEntryListResponse", objects=[_public(e) for e in rows[:size]], totalCount=len(rows))


for _filter_class in ("KalturaBaseEntryFilter", "KalturaMediaEntryFilter", "KalturaPlayableEntryFilter"):
    register_lister(_filter_class, _related_entries)


def _entry_allowed(session: Any, entry_id: str) -> bool:
    for name in ("sview", "edit", "download"):
        values = session.privileges.get(name, "")
        if entry_id in values.split("/") or values == "*":
            return True
    return False


@action("baseentry", "get")
def baseentry_get(ctx: CallContext, entryId: str, version: str = "-1") -> dict[str, Any]:
    return _get(ctx, entryId)


@action("media", "get")
def media_get(ctx: CallContext, entryId: str, version: str = "-1") -> dict[str, Any]:
    return _get(ctx, entryId)


@action("baseentry", "update")
def baseentry_update(ctx: CallContext, entryId: str, baseEntry: dict[str, Any]) -> dict[str, Any]:
    return _update(ctx, entryId, baseEntry)


@action("media", "update")
def media_update(ctx: CallContext, entryId: str, mediaEntry: dict[str, Any]) -> dict[str, Any]:
    return _update(ctx, entryId, mediaEntry)


@action("baseentry", "list")
def baseentry_list(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    return _list(ctx, filter, pager, "KalturaBaseEntryListResponse")


@action("media", "list")
def media_list(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    return _list(ctx, filter, pager, "KalturaMediaListResponse")


@action("baseentry", "count")
def baseentry_count(ctx: CallContext, filter: dict[str, Any] | None = None) -> int:
    """BaseEntryService::countAction: how many entries the list would hold."""
    return int(_list(ctx, filter, None, "KalturaBaseEntryListResponse")["totalCount"])


@action("media", "count")
def media_count(ctx: CallContext, filter: dict[str, Any] | None = None) -> int:
    return int(_list(ctx, filter, None, "KalturaMediaListResponse")["totalCount"])


def ready_flavors(store: Store, entry_id: str) -> list[dict[str, Any]]:
    return sorted(
        (f for f in store.rows("flavor_assets") if f["entryId"] == entry_id and int(f["status"]) == 2),
        key=lambda f: f["id"],
    )


@action("baseentry", "getPlaybackContext")
def get_playback_context(
    ctx: CallContext, entryId: str, contextDataParams: dict[str, Any] | None = None
) -> dict[str, Any]:
    entry = entry_for(ctx, entryId)
    params = contextDataParams or {}
    wanted = {s.strip().lower() for s in str(params.get("streamerType") or "").split(",") if s.strip()}
    flavors = ready_flavors(ctx.store, entryId)
    pid = entry["partnerId"]
    base = f"{ctx.base_url}/p/{pid}/sp/{pid}00/playManifest/entryId/{entryId}"
    sources = []
    playable = [f for f in flavors if f.get("isWeb")]
    if not wanted or wanted & {"http", "url"}:
        for flavor in playable:
            sources.append(
                kobj(
                    "KalturaPlaybackSource",
                    deliveryProfileId=1001,
                    format="url",
                    protocols="http,https",
                    flavorIds=flavor["id"],
                    url=f"{base}/flavorIds/{flavor['id']}/deliveryProfileId/1001/protocol/http/format/url/name/a.{flavor['fileExt']}",
                    drm=[],
                )
            )
    if not wanted or wanted & {"applehttp", "hls"}:
        # Alternate audio tracks (audio_only) are not web flavors but are part of the HLS stream.
        hls = [f for f in flavors if f.get("_hls") and (f.get("isWeb") or _is_audio_track(f))]
        if hls:
            ids = ",".join(f["id"] for f in hls)
            sources.append(
                kobj(
                    "KalturaPlaybackSource",
                    deliveryProfileId=1002,
                    format="applehttp",
                    protocols="http,https",
                    flavorIds=ids,
                    url=f"{base}/flavorIds/{ids}/deliveryProfileId/1002/protocol/http/format/applehttp/a.m3u8",
                    drm=[],
                )
            )
    captions = [
        kobj(
            "KalturaCaptionPlaybackPluginData",
            label=c.get("label"),
            format=str(c.get("format")),
            language=c.get("language"),
            webVttUrl=None,
            url=None,
            isDefault=bool(c.get("isDefault")),
            languageCode=c.get("languageCode"),
        )
        for c in ctx.store.rows("caption_assets")
        if c["entryId"] == entryId and int(c.get("status", 0)) == 2 and c.get("displayOnPlayer") is not False
    ]
    return kobj(
        "KalturaPlaybackContext",
        sources=sources,
        playbackCaptions=captions,
        flavorAssets=[_public(f) for f in flavors],
        actions=[],
        messages=[],
        bumperData=[],
        activeLiveStreamTime=None,
    )


# ---------------------------------------------------------------------------------------------
# Delivery routes


def _path_value(parts: list[str], key: str) -> str | None:
    for i in range(len(parts) - 1):
        if parts[i] == key:
            return parts[i + 1]
    return None


def _authorised(store: Store, request: Request, parts: list[str], entry: dict[str, Any]) -> bool:
    """Kaltura's delivery check for a protected entry: a KS of the owner allowed on this entry."""
    ks = _path_value(parts, "ks") or request.query_params.get("ks")
    if not ks:
        return False
    try:
        session = ks_module.validate_ks(store, ks)
    except ks_module.KSError:
        return False
    if session.partner_id != int(entry["partnerId"]):
        return False
    return session.type == 2 or _entry_allowed(session, entry["id"])


def _range_response(path: Path, request: Request, media_type: str) -> Response:
    size = path.stat().st_size
    header = request.headers.get("range")
    match = re.match(r"bytes=(\d*)-(\d*)", header or "")
    if not match:
        return FileResponse(path, media_type=media_type, headers={"Accept-Ranges": "bytes"})
    start = int(match.group(1) or 0)
    end = int(match.group(2)) if match.group(2) else size - 1
    if start >= size:
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    end = min(end, size - 1)
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start + 1)
    return Response(
        data,
        status_code=206,
        media_type=media_type,
        headers={"Content-Range": f"bytes {start}-{end}/{size}", "Accept-Ranges": "bytes"},
    )


MEDIA_TYPES = {"mp4": "video/mp4", "m4a": "audio/mp4", "ts": "video/mp2t", "m3u8": "application/vnd.apple.mpegurl"}


def _is_audio_track(flavor: dict[str, Any]) -> bool:
    return "audio_only" in {t.strip() for t in str(flavor.get("tags") or "").split(",")}


def _audio_language(flavor: dict[str, Any]) -> tuple[str, str]:
    """DeliveryProfile::getAudioLanguage: the ISO 639-1 code and Kaltura name, else ``und``/Undefined."""
    from kaltura_sandbox.services.assets import LANGUAGE_CODES

    name = str(flavor.get("language") or "")
    if not name:
        return "und", "Undefined"
    return LANGUAGE_CODES.get(name, name), name


def _master_playlist(entry: dict[str, Any], flavors: list[dict[str, Any]], pid: int, ks: str) -> str:
    """kM3U8ManifestRenderer::getManifestFlavors: audio_only flavors are alternate audio renditions
    (``#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio"``, LANGUAGE the ISO code, NAME the label or the
    language name, the first one DEFAULT and AUTOSELECT), the others variants that point at the
    group; an entry with no variant plays its first audio rendition."""

    def uri(flavor: dict[str, Any]) -> str:
        return (
            f"/p/{pid}/sp/{pid}00/serveFlavor/entryId/{entry['id']}/v/1/flavorId/{flavor['id']}"
            f"/name/a.mp4/ks/{ks}/index.m3u8"
        )

    def stream_inf(flavor: dict[str, Any], audio: str) -> list[str]:
        codecs = "avc1.42e00a,mp4a.40.2" if flavor["videoCodecId"] else "mp4a.40.2"
        if flavor.get("_kind") == "video_only":
            codecs = "avc1.42e00a"
        res = f",RESOLUTION={flavor['width']}x{flavor['height']}" if flavor["width"] else ""
        bandwidth = max(1, int(flavor.get("bitrate") or 0)) * 1000
        return [f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth}{res},CODECS="{codecs}"{audio}', uri(flavor)]

    served = [f for f in flavors if f.get("_hls")]
    # The clear audio is the default track (isDefault), as the vendor guide asks; then the others.
    audio_tracks = sorted((f for f in served if _is_audio_track(f)), key=lambda f: f.get("isDefault") is not True)
    audio = ',AUDIO="audio"' if audio_tracks else ""
    media: list[str] = []
    for index, flavor in enumerate(audio_tracks):
        code, name = _audio_language(flavor)
        first = "YES" if index == 0 else "NO"
        media.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="{code}",NAME="{flavor.get("label") or name}"'
            f',AUTOSELECT={first},DEFAULT={first},URI="{uri(flavor)}"'
        )
    variants: list[str] = []
    for flavor in served:
        if not _is_audio_track(flavor):
            variants += stream_inf(flavor, audio)
    if not variants and audio_tracks:
        variants = stream_inf(audio_tracks[0], audio)
    lines = ["#EXTM3U", *media, *([""] if media else []), *variants]
    return "\n".join(lines) + "\n"


def register_routes(app: FastAPI, store: Store) -> None:
    @app.get("/p/{pid}/sp/{sp}/playManifest/{rest:path}")
    def play_manifest(pid: int, sp: str, rest: str, request: Request) -> Response:
        parts = rest.split("/")
        entry = store.get("entries", _path_value(parts, "entryId"))
        if entry is None or int(entry["partnerId"]) != pid:
            return PlainTextResponse("Entry not found", status_code=404)
        if not _authorised(store, request, parts, entry):
            return PlainTextResponse("Access denied: a KS that allows this entry is required", status_code=403)
        ks = _path_value(parts, "ks") or request.query_params.get("ks") or ""
        ids = (_path_value(parts, "flavorIds") or _path_value(parts, "flavorId") or "").split(",")
        flavors = [f for f in ready_flavors(store, entry["id"]) if not ids[0] or f["id"] in ids]
        fmt = _path_value(parts, "format") or "url"
        if fmt in ("applehttp", "hls"):
            return Response(_master_playlist(entry, flavors, pid, ks), media_type=MEDIA_TYPES["m3u8"])
        if not flavors:
            return PlainTextResponse("No flavor", status_code=404)
        flavor = flavors[0]
        return _range_response(
            Path(flavor["_path"]), request, MEDIA_TYPES.get(flavor["fileExt"], "application/octet-stream")
        )

    @app.get("/p/{pid}/sp/{sp}/serveFlavor/{rest:path}")
    def serve_flavor(pid: int, sp: str, rest: str, request: Request) -> Response:
        parts = rest.split("/")
        entry = store.get("entries", _path_value(parts, "entryId"))
        flavor = store.get("flavor_assets", _path_value(parts, "flavorId"))
        if entry is None or flavor is None or flavor["entryId"] != entry["id"] or int(entry["partnerId"]) != pid:
            return PlainTextResponse("Not found", status_code=404)
        if not _authorised(store, request, parts, entry):
            return PlainTextResponse("Access denied", status_code=403)
        if not flavor.get("_hls"):
            return PlainTextResponse("Not found", status_code=404)
        folder = Path(flavor["_hls"]).parent
        name = parts[-1]
        target = (folder / name).resolve()
        if folder.resolve() not in target.parents or not target.exists():
            return PlainTextResponse("Not found", status_code=404)
        return FileResponse(target, media_type=MEDIA_TYPES.get(target.suffix.lstrip("."), "application/octet-stream"))

    @app.get("/p/{pid}/sp/{sp}/download/{rest:path}")
    def download(pid: int, sp: str, rest: str, request: Request) -> Response:
        parts = rest.split("/")
        entry = store.get("entries", _path_value(parts, "entry_id"))
        flavor = store.get("flavor_assets", _path_value(parts, "flavor"))
        if entry is None or flavor is None or flavor["entryId"] != entry["id"] or int(entry["partnerId"]) != pid:
            return PlainTextResponse("Not found", status_code=404)
        if not _authorised(store, request, parts, entry):
            return PlainTextResponse("Access denied", status_code=403)
        return _range_response(
            Path(flavor["_path"]), request, MEDIA_TYPES.get(flavor["fileExt"], "application/octet-stream")
        )

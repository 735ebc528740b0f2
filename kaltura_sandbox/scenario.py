"""Scenario files: the partners, secrets, entries, catalog items, REACH profiles and tasks a sandbox
starts with. The format is documented in ``scenarios/README.md``; ``scenarios/default.yaml`` covers
every REACH service of the vendor guide for three customer partners.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import yaml

from kaltura_sandbox.entries import EntrySpec, create_entry
from kaltura_sandbox.framework import Store, kobj
from kaltura_sandbox.services.assets import add_live_caption_feature
from kaltura_sandbox.services.reach import FEATURE_NAMES, catalog_item_class, create_task, expected_finish

__all__ = ["DEFAULT_SCENARIO", "Scenario", "build_store", "credentials", "load_scenario", "resolve_time"]

# A scenario is the parsed YAML mapping (format: scenarios/README.md); tests build them inline.
Scenario = dict[str, Any]

DEFAULT_SCENARIO = Path(__file__).parent / "scenarios" / "default.yaml"

FEATURES = {name: value for value, name in FEATURE_NAMES.items()}
SERVICE_TYPES = {"HUMAN": 1, "MACHINE": 2, "HYBRID": 3}
TURNAROUND = {
    "BEST_EFFORT": -1,
    "IMMEDIATE": 0,
    "ONE_BUSINESS_DAY": 1,
    "TWO_BUSINESS_DAYS": 2,
    "THREE_BUSINESS_DAYS": 3,
    "FOUR_BUSINESS_DAYS": 4,
    "FIVE_BUSINESS_DAYS": 5,
    "SIX_BUSINESS_DAYS": 6,
    "SEVEN_BUSINESS_DAYS": 7,
    "TEN_BUSINESS_DAYS": 10,
    "THIRTY_MINUTES": 1800,
    "TWO_HOURS": 7200,
    "THREE_HOURS": 10800,
    "SIX_HOURS": 21600,
    "EIGHT_HOURS": 28800,
    "TWELVE_HOURS": 43200,
    "TWENTY_FOUR_HOURS": 86400,
    "FORTY_EIGHT_HOURS": 172800,
    "FOUR_DAYS": 345600,
    "FIVE_DAYS": 432000,
    "TEN_DAYS": 864000,
}
STATUSES = {
    "PENDING": 1,
    "READY": 2,
    "PROCESSING": 3,
    "PENDING_MODERATION": 4,
    "REJECTED": 5,
    "ERROR": 6,
    "ABORTED": 7,
    "PENDING_ENTRY_READY": 8,
    "SCHEDULED": 9,
}
OUTPUT_FORMATS = {"SRT": 1, "DFXP": 2, "VTT": 3}
DELETION = {
    "DO_NOTHING": 1,
    "DELETE_ONCE_PROCESSED": 2,
    "DELETE_AFTER_WEEK": 3,
    "DELETE_AFTER_MONTH": 4,
    "DELETE_AFTER_THREE_MONTHS": 5,
}
REGIONS = {"US": 1, "EU": 2, "CA": 3}
_RELATIVE = re.compile(r"^([+-])\s*(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def resolve_time(value: Any, now: int) -> int | None:
    """An absolute epoch, or a time relative to load time like ``-2h``, ``+30m``, ``-3d``."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return int(value)
    match = _RELATIVE.match(str(value).strip())
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return now + sign * int(float(match.group(2)) * _UNITS[match.group(3)])
    return int(value)


def _enum(value: Any, names: dict[str, int]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.upper() in names:
        return names[value.upper()]
    return int(value)


def _bool(value: Any) -> bool | None:
    """A ``KalturaNullableBoolean`` field: true/false in JSON, 1/0 in XML."""
    if value is None:
        return None
    return value in (True, 1, "1", "true", "True", "yes")


def _output_format(value: Any) -> str | None:
    """A catalog item's ``outputFormat``: Kaltura stores it in custom data and answers a string."""
    number = _enum(value, OUTPUT_FORMATS)
    return None if number is None else str(number)


def load_scenario(path: Path | str | dict[str, Any] | None = None) -> Scenario:
    """Read a scenario.

    Args:
        path: a YAML file, a dict (returned as it is; tests build small scenarios inline), or
            None for ``scenarios/default.yaml``.

    Returns:
        The scenario mapping. Relative times (``-2h``) are resolved by :func:`build_store`.
    """
    if isinstance(path, dict):
        return path
    source = Path(path) if path else DEFAULT_SCENARIO
    data = yaml.safe_load(source.read_text()) or {}
    if "vendor" not in data:
        raise ValueError(f"{source}: a scenario needs a 'vendor' section")
    return data


def _catalog_item(spec: dict[str, Any], vendor_id: int, now: int) -> dict[str, Any]:
    feature = _enum(spec.get("feature", "CAPTIONS"), FEATURES) or 1
    item = kobj(
        catalog_item_class(feature),
        id=int(spec["id"]),
        vendorPartnerId=vendor_id,
        name=spec.get("name", f"catalog item {spec['id']}"),
        systemName=spec.get("system_name", f"reachflow_{spec['id']}"),
        createdAt=now,
        updatedAt=now,
        status=2,
        serviceType=_enum(spec.get("service_type", "MACHINE"), SERVICE_TYPES),
        serviceFeature=feature,
        turnAroundTime=_enum(spec.get("turn_around_time", "BEST_EFFORT"), TURNAROUND),
        pricing=kobj(
            "KalturaVendorCatalogItemPricing",
            pricePerUnit=float(spec.get("price_per_unit", 1.0)),
            priceFunction="kReachUtils::calcPricePerMinute",
        ),
        engineType=None,
        sourceLanguage=spec.get("source_language", "English"),
        allowResubmission=False,
        payPerUse=False,
        vendorData=None,
        stage=1,
        lastBulkUpdateId=None,
        contract=None,
        createdBy=None,
        notes=None,
        partnerId=0,
        defaultReachProfileId=None,
        adminTagsToExclude=None,
    )
    if feature in (1, 2, 3, 8, 11):
        item["outputFormat"] = _output_format(spec.get("output_format"))
        item["enableSpeakerId"] = _bool(spec.get("enable_speaker_id", False))
        item["fixedPriceAddons"] = 0
    if feature in (2, 7, 11):
        item["targetLanguage"] = spec.get("target_language", "Spanish")
    if feature == 2:
        item["requireSource"] = bool(spec.get("require_source", False))
    if feature in (4, 7, 9):
        item["flavorParamsId"] = int(spec.get("flavor_params_id", 1500 + feature))
        item["clearAudioFlavorParamsId"] = int(spec.get("clear_audio_flavor_params_id", 1600 + feature))
    if feature == 9:
        item["outputFormat"] = _output_format(spec.get("output_format", "VTT"))
    if feature in (8, 11):
        item.update(
            minimalRefundTime=int(spec.get("minimal_refund_time", 0)),
            minimalOrderTime=int(spec.get("minimal_order_time", 0)),
            durationLimit=int(spec.get("duration_limit", 0)),
        )
    if feature == 8:
        item.update(
            startTimeBuffer=int(spec.get("start_time_buffer", 300)), endTimeBuffer=int(spec.get("end_time_buffer", 300))
        )
    return item


def _reach_profile(spec: dict[str, Any], partner_id: int, now: int) -> dict[str, Any]:
    dictionaries = [
        kobj("KalturaDictionary", language=language, data=data)
        for language, data in (spec.get("dictionaries") or {}).items()
    ]
    return kobj(
        "KalturaReachProfile",
        id=int(spec["id"]),
        name=spec.get("name", f"profile {spec['id']}"),
        partnerId=partner_id,
        createdAt=now,
        updatedAt=now,
        status=2,
        profileType=2,
        defaultOutputFormat=_enum(spec.get("default_output_format", "SRT"), OUTPUT_FORMATS),
        enableMachineModeration=_bool(spec.get("enable_machine_moderation", False)),
        enableHumanModeration=_bool(spec.get("enable_human_moderation", False)),
        enableHybridModeration=_bool(spec.get("enable_hybrid_moderation", False)),
        autoDisplayMachineCaptionsOnPlayer=_bool(spec.get("auto_display_machine_captions", True)),
        autoDisplayHumanCaptionsOnPlayer=_bool(spec.get("auto_display_human_captions", True)),
        autoDisplayHybridCaptionsOnPlayer=_bool(spec.get("auto_display_hybrid_captions", True)),
        enableMetadataExtraction=_bool(spec.get("enable_metadata_extraction", False)),
        enableSpeakerChangeIndication=_bool(spec.get("enable_speaker_change_indication", False)),
        enableAudioTags=_bool(spec.get("enable_audio_tags", False)),
        enableProfanityRemoval=_bool(spec.get("enable_profanity_removal", False)),
        maxCharactersPerCaptionLine=spec.get("max_characters_per_caption_line"),
        labelAdditionForMachineServiceType=spec.get("label_addition_machine"),
        labelAdditionForHumanServiceType=spec.get("label_addition_human"),
        labelAdditionForHybridServiceType=spec.get("label_addition_hybrid"),
        contentDeletionPolicy=_enum(spec.get("content_deletion_policy", "DO_NOTHING"), DELETION),
        rules=[],
        credit=kobj("KalturaUnlimitedVendorCredit", credit=-1, fromDate=now - 86400),
        usedCredit=0.0,
        dictionaries=dictionaries,
        flavorParamsIds=spec.get("flavor_params_ids"),
        vendorTaskProcessingRegion=_enum(spec.get("processing_region"), REGIONS),
        allowedCatalogItemIds=spec.get("allowed_catalog_item_ids"),
    )


def _partner(spec: dict[str, Any], is_vendor: bool) -> dict[str, Any]:
    return {
        "id": int(spec["partner_id"]),
        "name": spec.get("name", f"partner {spec['partner_id']}"),
        "_admin_secret": str(spec["admin_secret"]),
        "_secret": str(spec.get("user_secret", "")),
        "_ks_version": int(spec.get("ks_version", 2)),
        "_ks_max_expiry": int(spec.get("ks_max_expiry_seconds", 86400)),
        # the REACH_VENDOR_PARTNER permission (getJobs/updateJob/extendAccessKey)
        "_is_vendor": bool(spec.get("reach_vendor", is_vendor)),
        # REACH enabled on the partner (else entryVendorTask answers FEATURE_FORBIDDEN)
        "_reach_enabled": bool(spec.get("reach_enabled", True)),
    }


APP_TOKEN_STATUSES = {"DISABLED": 1, "ACTIVE": 2, "DELETED": 3}


def _app_tokens(vendor: dict[str, Any]) -> list[dict[str, Any]]:
    tokens = list(vendor.get("app_tokens") or [])
    if vendor.get("app_token"):
        tokens.insert(0, vendor["app_token"])
    return tokens


def _app_token(spec: dict[str, Any], partner_id: int, now: int) -> dict[str, Any]:
    status = spec.get("status", "ACTIVE" if spec.get("active", True) else "DISABLED")
    return kobj(
        "KalturaAppToken",
        id=str(spec["id"]),
        token=None,
        partnerId=partner_id,
        createdAt=now,
        updatedAt=now,
        status=_enum(status, APP_TOKEN_STATUSES),
        expiry=resolve_time(spec.get("expiry"), now),
        sessionType=_enum(spec.get("session_type"), {"USER": 0, "ADMIN": 2}),
        sessionUserId=spec.get("session_user_id"),
        sessionDuration=spec.get("session_duration"),
        sessionPrivileges=spec.get("session_privileges"),
        # AppToken::getHashType: SHA1 when unset (the vendor guide's samples set SHA256)
        hashType=str(spec.get("hash_type") or "SHA1").upper(),
        description=spec.get("description"),
        _token=str(spec["token"]),
    )


def _caption_asset(store: Store, entry: dict[str, Any], spec: dict[str, Any], now: int) -> dict[str, Any]:
    """A READY caption asset that an entry already has (e.g. the source of a translation)."""
    fmt = str(_enum(spec.get("format", "SRT"), {"SRT": 1, "DFXP": 2, "WEBVTT": 3, "VTT": 3}))
    content = spec.get("content")
    if content is None:  # the entry's ground truth as one cue per speech segment
        cues, start = [], 0.0
        for number, segment in enumerate([s for s in entry.get("_segments") or [] if s.get("text")], 1):
            end = start + max(1.0, len(segment["text"].split()) / 2.5)
            cues.append(f"{number}\n{_srt_time(start)} --> {_srt_time(end)}\n{segment['text']}\n")
            start = end
        content = "\n".join(cues)
    data = str(content).encode()
    asset_id = str(spec.get("id") or f"0_ca{store.next_int('caption_asset'):06d}")
    language = spec.get("language", "English")
    asset = kobj(
        "KalturaCaptionAsset",
        id=asset_id,
        entryId=entry["id"],
        partnerId=entry["partnerId"],
        version=1,
        size=max(1, len(data) // 1024),
        tags=spec.get("tags", ""),
        fileExt={"1": "srt", "2": "dfxp", "3": "vtt"}[fmt],
        createdAt=now,
        updatedAt=now,
        deletedAt=None,
        description="",
        partnerData=None,
        partnerDescription=None,
        actualSourceAssetParamsIds=None,
        sizeInBytes=len(data),
        captionParamsId=None,
        language=language,
        languageCode={"English": "en", "Spanish": "es", "French": "fr", "German": "de"}.get(language),
        isDefault=bool(spec.get("default", False)),
        label=spec.get("label", language),
        format=fmt,
        source=None,
        status=2,
        parentId=None,
        accuracy=spec.get("accuracy", 99),
        displayOnPlayer=True,
        associatedTranscriptIds=None,
        usage="0",
        _content=data,
    )
    return store.put("caption_assets", asset_id, asset)


def _srt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


# Tags of the audio flavor params a REACH catalog item names (the partner's conversion profile
# defines them in Kaltura): a produced or clear-audio track is an alternate audio track
# (audio_only, alt_audio); an audio-description track also carries audio_description, as the
# vendor guide says of flavor params 200 on the US SaaS region.
AUDIO_TRACK_TAGS = "audio_only,alt_audio"
AUDIO_DESCRIPTION_TAGS = "audio_only,alt_audio,audio_description"


def _audio_flavor_params(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The flavor params of a dubbing / audio-description catalog item's two tracks."""
    made = []
    for key in ("flavorParamsId", "clearAudioFlavorParamsId"):
        if item.get(key) is None:
            continue
        described = key == "flavorParamsId" and int(item.get("serviceFeature") or 0) == 4
        made.append(
            kobj(
                "KalturaFlavorParams",
                id=int(item[key]),
                partnerId=0,
                name=f"{'Audio description' if described else 'Audio track'} {item[key]}",
                systemName="",
                tags=AUDIO_DESCRIPTION_TAGS if described else AUDIO_TRACK_TAGS,
                format="mp4",
                audioCodec="aac",
                audioBitrate=128,
                videoBitrate=0,
                videoCodec="",
                width=0,
                height=0,
                frameRate=0.0,
            )
        )
    return made


def build_store(scenario: Scenario, media_dir: Path, now: int | None = None) -> Store:
    """Build the sandbox state of a scenario.

    Args:
        scenario: a loaded scenario (see :func:`load_scenario`).
        media_dir: where entry media is synthesised (cached by content, so reuse it across runs).
        now: the moment relative times (``-2h``) are resolved against (default: now).

    Returns:
        The store: partners, app tokens, catalog items, REACH profiles, entries with flavors,
        caption assets, schedule events and tasks (with their accessKeys minted).
    """
    moment = now or int(time.time())
    media_dir = Path(media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    store = Store()
    store.extra["media_dir"] = str(media_dir)
    vendor = scenario["vendor"]
    vendor_id = int(vendor["partner_id"])
    store.put("partners", vendor_id, _partner(vendor, is_vendor=True))
    for token in _app_tokens(vendor):
        record = _app_token(token, vendor_id, moment)
        store.put("app_tokens", record["id"], record)
    for partner_spec in [vendor, *scenario.get("customers", [])]:
        for profile in partner_spec.get("response_profiles") or []:
            record = kobj("KalturaResponseProfile", **{k: v for k, v in profile.items() if k != "objectType"})
            record["partnerId"] = int(partner_spec["partner_id"])
            store.put("response_profiles", record["id"], record)
    for spec in scenario.get("catalog_items", []):
        item = _catalog_item(spec, vendor_id, moment)
        store.put("catalog_items", item["id"], item)
        for params in _audio_flavor_params(item):
            store.put("flavor_params", params["id"], params)
    for customer in scenario.get("customers", []):
        partner_id = int(customer["partner_id"])
        store.put("partners", partner_id, _partner(customer, is_vendor=False))
        for spec in customer.get("reach_profiles", []):
            profile = _reach_profile(spec, partner_id, moment)
            store.put("reach_profiles", profile["id"], profile)
        for spec in customer.get("entries", []):
            spec = dict(spec)
            captions = spec.pop("captions", None) or []
            entry = create_entry(store, partner_id, EntrySpec(**spec), media_dir)
            for caption in captions:
                _caption_asset(store, entry, caption, moment)
        # Events are timed from when they are created, after the (slow, first-time) media synthesis,
        # so an event "+30s" really starts 30 s after the sandbox is up.
        events_moment = now or int(time.time())
        for spec in customer.get("schedule_events", []):
            event = kobj(
                "KalturaLiveStreamScheduleEvent",
                id=int(spec["id"]),
                partnerId=partner_id,
                parentId=None,
                summary=spec.get("summary", "Live event"),
                description=None,
                status=2,
                startDate=resolve_time(spec.get("start", "+1h"), events_moment),
                endDate=resolve_time(spec.get("end", "+2h"), events_moment),
                referenceId=None,
                templateEntryId=spec.get("entry"),
                entryIds=spec.get("entry"),
                sourceEntryId=None,
                createdAt=moment,
                updatedAt=moment,
                liveFeatures=[],
                _stream=bool(spec.get("stream", True)),  # false: the customer never starts streaming
            )
            store.put("schedule_events", event["id"], event)
        for spec in _expand_batches(customer):
            item = store.get("catalog_items", spec["catalog_item"]) or {}
            task_spec = {
                "id": spec.get("id"),
                "partnerId": partner_id,
                "entryId": spec["entry"],
                "catalogItemId": spec["catalog_item"],
                "reachProfileId": spec["reach_profile"],
                "status": _enum(spec.get("status"), STATUSES),
                "createdAt": resolve_time(spec.get("created", "-10m"), moment),
                "expectedFinishTime": resolve_time(spec.get("expected_finish_time"), moment),
                "accessKeyExpirySeconds": spec.get("access_key_expiry_seconds"),
                "accessKeyExpiresAt": resolve_time(spec.get("access_key_expires"), moment),
                "notes": spec.get("notes"),
                "dictionary": spec.get("dictionary"),
                "outputObjectId": spec.get("output_object_id"),
                "errDescription": spec.get("err_description"),
                "externalTaskId": spec.get("external_task_id"),
                "partnerData": spec.get("partner_data"),
                "price": spec.get("price"),
                "sourceCaptionAssetId": spec.get("source_caption"),
            }
            feature = int(item.get("serviceFeature") or 1)
            if feature == 8 and spec.get("schedule_event"):
                event = store.get("schedule_events", spec["schedule_event"]) or {}
                start = int(event.get("startDate") or moment) - int(item.get("startTimeBuffer") or 0)
                end = int(event.get("endDate") or moment) + int(item.get("endTimeBuffer") or 0)
                entry = store.get("entries", spec["entry"]) or {}
                task_spec["taskJobData"] = kobj(
                    "KalturaScheduledVendorTaskData",
                    entryDuration=int(entry.get("msDuration") or 0) or None,
                    vendorComment=None,
                    startDate=start,
                    endDate=end,
                    scheduledEventId=int(spec["schedule_event"]),
                )
            task = create_task(store, task_spec, now=moment)
            if spec.get("turn_around_time") is not None:
                # a task may carry its own turnaround (the item's was changed after ordering)
                task["turnAroundTime"] = _enum(spec["turn_around_time"], TURNAROUND)
                if spec.get("expected_finish_time") is None and task.get("queueTime"):
                    task["expectedFinishTime"] = expected_finish(int(task["createdAt"]), int(task["turnAroundTime"]))
            if feature == 8 and spec.get("schedule_event"):
                add_live_caption_feature(
                    store,
                    int(spec["schedule_event"]),
                    int(task["id"]),
                    language=str(item.get("sourceLanguage", "English"))[:3].lower(),
                    pre_start=int(item.get("startTimeBuffer") or 0),
                    post_end=int(item.get("endTimeBuffer") or 0),
                )
    return store


def _expand_batches(customer: dict[str, Any]) -> list[dict[str, Any]]:
    """The customer's tasks plus ``task_batches`` (``count`` tasks alike, ``created`` spaced by
    ``spacing`` seconds; e.g. 600 PENDING tasks to exercise paging)."""
    specs = list(customer.get("tasks", []))
    for batch in customer.get("task_batches", []) or []:
        first_id = int(batch.get("first_id", 100000))
        spacing = int(batch.get("spacing", 1))
        for n in range(int(batch["count"])):
            spec = {k: v for k, v in batch.items() if k not in ("count", "first_id", "spacing", "created")}
            spec["id"] = first_id + n
            spec["created"] = resolve_time(batch.get("created", "-1d"), int(time.time())) + n * spacing  # type: ignore[operator]
            specs.append(spec)
    return specs


def credentials(scenario: Scenario, service_url: str) -> dict[str, Any]:
    """The service URL and secrets of a scenario (what ``reachflow sandbox credentials`` prints).

    Args:
        scenario: a loaded scenario.
        service_url: where the sandbox is served.

    Returns:
        ``{"service_url", "vendor_partner_id", "vendor_admin_secret", "app_token_id", "app_token",
        "app_token_hash_type", "customers": [{"partner_id", "admin_secret"}]}``; the app token is
        the vendor's first ACTIVE one.
    """
    vendor = scenario["vendor"]
    tokens = [
        t
        for t in _app_tokens(vendor)
        if str(t.get("status", "ACTIVE" if t.get("active", True) else "DISABLED")).upper() in ("ACTIVE", "2")
    ]
    token = tokens[0] if tokens else {}
    return {
        "service_url": service_url,
        "vendor_partner_id": int(vendor["partner_id"]),
        "vendor_admin_secret": str(vendor["admin_secret"]),
        "app_token_id": token.get("id"),
        "app_token": token.get("token"),
        "app_token_hash_type": str(token.get("hash_type") or "SHA1").upper() if token else None,
        "customers": [
            {"partner_id": int(c["partner_id"]), "admin_secret": str(c["admin_secret"])}
            for c in scenario.get("customers", [])
        ],
    }

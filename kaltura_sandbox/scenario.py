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
from kaltura_sandbox.services.reach import CATALOG_ITEM_CLASSES, create_task

__all__ = ["DEFAULT_SCENARIO", "build_store", "load_scenario", "resolve_time"]

DEFAULT_SCENARIO = Path(__file__).parent / "scenarios" / "default.yaml"

FEATURES = {"CAPTIONS": 1, "TRANSLATION": 2, "ALIGNMENT": 3, "AUDIO_DESCRIPTION": 4, "CHAPTERING": 5,
            "INTELLIGENT_TAGGING": 6, "DUBBING": 7, "LIVE_CAPTION": 8, "EXTENDED_AUDIO_DESCRIPTION": 9,
            "CLIPS": 10, "LIVE_TRANSLATION": 11}
SERVICE_TYPES = {"HUMAN": 1, "MACHINE": 2, "HYBRID": 3}
TURNAROUND = {"BEST_EFFORT": -1, "IMMEDIATE": 0, "ONE_BUSINESS_DAY": 1, "TWO_BUSINESS_DAYS": 2,
              "THREE_BUSINESS_DAYS": 3, "FOUR_BUSINESS_DAYS": 4, "FIVE_BUSINESS_DAYS": 5, "SIX_BUSINESS_DAYS": 6,
              "SEVEN_BUSINESS_DAYS": 7, "TEN_BUSINESS_DAYS": 10, "THIRTY_MINUTES": 1800, "TWO_HOURS": 7200,
              "THREE_HOURS": 10800, "SIX_HOURS": 21600, "EIGHT_HOURS": 28800, "TWELVE_HOURS": 43200,
              "TWENTY_FOUR_HOURS": 86400, "FORTY_EIGHT_HOURS": 172800, "FOUR_DAYS": 345600, "FIVE_DAYS": 432000,
              "TEN_DAYS": 864000}
STATUSES = {"PENDING": 1, "READY": 2, "PROCESSING": 3, "PENDING_MODERATION": 4, "REJECTED": 5, "ERROR": 6,
            "ABORTED": 7, "PENDING_ENTRY_READY": 8, "SCHEDULED": 9}
OUTPUT_FORMATS = {"SRT": 1, "DFXP": 2, "VTT": 3}
DELETION = {"DO_NOTHING": 1, "DELETE_ONCE_PROCESSED": 2, "DELETE_AFTER_WEEK": 3, "DELETE_AFTER_MONTH": 4,
            "DELETE_AFTER_THREE_MONTHS": 5}
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


def _bool(value: Any) -> int | None:
    if value is None:
        return None
    return 1 if value in (True, 1, "1", "true", "True", "yes") else 0


def load_scenario(path: Path | str | dict[str, Any] | None = None) -> dict[str, Any]:
    """The scenario as a dict: the default one, a YAML file, or a dict given as it is."""
    if isinstance(path, dict):
        return path
    source = Path(path) if path else DEFAULT_SCENARIO
    return yaml.safe_load(source.read_text()) or {}


def _catalog_item(spec: dict[str, Any], vendor_id: int, now: int) -> dict[str, Any]:
    feature = _enum(spec.get("feature", "CAPTIONS"), FEATURES) or 1
    item = kobj(
        CATALOG_ITEM_CLASSES.get(feature, "KalturaVendorCaptionsCatalogItem"),
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
        pricing=kobj("KalturaVendorCatalogItemPricing", pricePerUnit=float(spec.get("price_per_unit", 1.0)),
                     priceFunction="kReachUtils::calcPricePerMinute"),
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
    if feature in (1, 2, 8, 11):
        item["outputFormat"] = _enum(spec.get("output_format"), OUTPUT_FORMATS)
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
        item["outputFormat"] = _enum(spec.get("output_format", "VTT"), OUTPUT_FORMATS)
    if feature == 8:
        item.update(minimalRefundTime=0, minimalOrderTime=0, durationLimit=0,
                    startTimeBuffer=int(spec.get("start_time_buffer", 300)),
                    endTimeBuffer=int(spec.get("end_time_buffer", 300)))
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
        "_is_vendor": is_vendor,
    }


def build_store(scenario: dict[str, Any], media_dir: Path, now: int | None = None) -> Store:
    """A sandbox state built from a scenario (media synthesised into ``media_dir``, cached)."""
    moment = now or int(time.time())
    media_dir = Path(media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    store = Store()
    store.extra["media_dir"] = str(media_dir)
    vendor = scenario["vendor"]
    vendor_id = int(vendor["partner_id"])
    store.put("partners", vendor_id, _partner(vendor, is_vendor=True))
    token = vendor.get("app_token")
    if token:
        store.put("app_tokens", token["id"], kobj(
            "KalturaAppToken", id=token["id"], partnerId=vendor_id, createdAt=moment, updatedAt=moment,
            status=2 if token.get("active", True) else 1, expiry=resolve_time(token.get("expiry"), moment),
            sessionType=_enum(token.get("session_type", 2), {"USER": 0, "ADMIN": 2}),
            sessionUserId=token.get("session_user_id"), sessionDuration=token.get("session_duration"),
            sessionPrivileges=token.get("session_privileges", "disableentitlement"),
            hashType=token.get("hash_type", "SHA256"), description=token.get("description"),
            _token=str(token["token"]),
        ))
    for spec in scenario.get("catalog_items", []):
        item = _catalog_item(spec, vendor_id, moment)
        store.put("catalog_items", item["id"], item)
    for customer in scenario.get("customers", []):
        partner_id = int(customer["partner_id"])
        store.put("partners", partner_id, _partner(customer, is_vendor=False))
        for spec in customer.get("reach_profiles", []):
            profile = _reach_profile(spec, partner_id, moment)
            store.put("reach_profiles", profile["id"], profile)
        for spec in customer.get("entries", []):
            create_entry(store, partner_id, EntrySpec(**spec), media_dir)
        for spec in customer.get("schedule_events", []):
            event = kobj(
                "KalturaLiveStreamScheduleEvent", id=int(spec["id"]), partnerId=partner_id, parentId=None,
                summary=spec.get("summary", "Live event"), description=None, status=2,
                startDate=resolve_time(spec.get("start", "+1h"), moment),
                endDate=resolve_time(spec.get("end", "+2h"), moment), referenceId=None,
                templateEntryId=spec.get("entry"), entryIds=spec.get("entry"), sourceEntryId=None,
                createdAt=moment, updatedAt=moment, liveFeatures=[],
            )
            store.put("schedule_events", event["id"], event)
        for spec in customer.get("tasks", []):
            task_spec = {
                "id": spec.get("id"),
                "partnerId": partner_id,
                "entryId": spec["entry"],
                "catalogItemId": spec["catalog_item"],
                "reachProfileId": spec["reach_profile"],
                "status": _enum(spec.get("status", "PENDING"), STATUSES),
                "createdAt": resolve_time(spec.get("created", "-10m"), moment),
                "expectedFinishTime": resolve_time(spec.get("expected_finish_time"), moment),
                "accessKeyExpirySeconds": spec.get("access_key_expiry_seconds"),
                "notes": spec.get("notes"),
                "dictionary": spec.get("dictionary"),
                "outputObjectId": spec.get("output_object_id"),
                "errDescription": spec.get("err_description"),
            }
            item = store.get("catalog_items", spec["catalog_item"]) or {}
            feature = int(item.get("serviceFeature") or 1)
            if feature == 2 and spec.get("source_caption"):
                task_spec["taskJobData"] = kobj("KalturaTranslationVendorTaskData", entryDuration=None,
                                                vendorComment=None, captionAssetId=spec["source_caption"])
            if feature == 8 and spec.get("schedule_event"):
                event = store.get("schedule_events", spec["schedule_event"]) or {}
                start = int(event.get("startDate") or moment) - int(item.get("startTimeBuffer") or 0)
                end = int(event.get("endDate") or moment) + int(item.get("endTimeBuffer") or 0)
                task_spec["taskJobData"] = kobj("KalturaScheduledVendorTaskData", entryDuration=None,
                                                vendorComment=None, startDate=start, endDate=end,
                                                scheduledEventId=int(spec["schedule_event"]))
            task = create_task(store, task_spec, now=moment)
            if feature == 8 and spec.get("schedule_event"):
                add_live_caption_feature(store, int(spec["schedule_event"]), int(task["id"]),
                                         language=str(item.get("sourceLanguage", "English"))[:3].lower(),
                                         pre_start=int(item.get("startTimeBuffer") or 0),
                                         post_end=int(item.get("endTimeBuffer") or 0))
    return store


def credentials(scenario: dict[str, Any], service_url: str) -> dict[str, Any]:
    """The service URL and secrets of a scenario (what ``reachflow sandbox credentials`` prints)."""
    vendor = scenario["vendor"]
    token = vendor.get("app_token") or {}
    return {
        "service_url": service_url,
        "vendor_partner_id": int(vendor["partner_id"]),
        "vendor_admin_secret": str(vendor["admin_secret"]),
        "app_token_id": token.get("id"),
        "app_token": token.get("token"),
        "app_token_hash_type": token.get("hash_type", "SHA256"),
        "customers": [
            {"partner_id": int(c["partner_id"]), "admin_secret": str(c["admin_secret"])}
            for c in scenario.get("customers", [])
        ],
    }

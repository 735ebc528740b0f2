"""REACH: entryVendorTask, vendorCatalogItem and reachProfile, with the server's rules.

From ``plugins/reach`` of Kaltura's server (reach-spec.md §2.1, §4.2–4.4, §6.4):

* getJobs: vendor KS only; ``vendorPartnerIdEqual`` forced to the caller; only PENDING and/or
  SCHEDULED may be asked for (anything else becomes PENDING).
* get: the partner filter applies (a customer's task is read with its accessKey). The
  ``reach_vendor`` response profile (``profiles.py``) keeps an include list and adds the catalog
  item and REACH profile as ``relatedObjects``; the filters of this module's lists are registered
  for related profiles.
* getJobs, updateJob, extendAccessKey: only partners with the REACH vendor permission
  (SERVICE_FORBIDDEN otherwise, from the action permission items).
* updateJob: found by id *and* vendorPartnerId; final states (READY, ERROR, ABORTED,
  REJECTED) never change; PROCESSING and ABORTED only from PENDING, PENDING_MODERATION,
  PENDING_ENTRY_READY or SCHEDULED; READY kills the accessKey; queueTime/finishTime side effects.
* extendAccessKey: vendor KS; only PROCESSING or SCHEDULED tasks; a fresh key, same privileges.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from kaltura_sandbox import ks as ks_module
from kaltura_sandbox.framework import CallContext, Session, Store, action, as_int, kobj, raise_error
from kaltura_sandbox.profiles import register_lister

# KalturaEntryVendorTaskStatus
PENDING, READY, PROCESSING, PENDING_MODERATION, REJECTED, ERROR, ABORTED, PENDING_ENTRY_READY, SCHEDULED = (
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
)
FINAL = {READY, ERROR, ABORTED, REJECTED}
ALL_STATUSES = {
    PENDING,
    READY,
    PROCESSING,
    PENDING_MODERATION,
    REJECTED,
    ERROR,
    ABORTED,
    PENDING_ENTRY_READY,
    SCHEDULED,
}
MAY_START = {PENDING, PENDING_MODERATION, PENDING_ENTRY_READY, SCHEDULED}
HUMAN, MACHINE, HYBRID = 1, 2, 3
CAPTIONS_FEATURE = 1

# KalturaVendorServiceFeature (client 23.10.0)
FEATURE_NAMES = {
    1: "CAPTIONS",
    2: "TRANSLATION",
    3: "ALIGNMENT",
    4: "AUDIO_DESCRIPTION",
    5: "CHAPTERING",
    6: "INTELLIGENT_TAGGING",
    7: "DUBBING",
    8: "LIVE_CAPTION",
    9: "EXTENDED_AUDIO_DESCRIPTION",
    10: "CLIPS",
    11: "LIVE_TRANSLATION",
    12: "QUIZ",
    13: "SUMMARY",
    14: "VIDEO_ANALYSIS",
    15: "MODERATION",
    16: "METADATA_ENRICHMENT",
    17: "SENTIMENT_ANALYSIS",
    18: "DOCUMENT_ENRICHMENT",
    19: "SIGN_LANGUAGE",
    20: "SPEECH_TO_VIDEO",
    21: "IMMERSIVE_AGENT_CALL",
    22: "IMMERSIVE_AGENT_CHAT",
    23: "AVATAR_VOD",
    24: "LLM_MODELS",
    25: "IMMERSIVE_AGENT_EVAL",
    26: "IMMERSIVE_AGENT_PREVIEW",
    27: "VIDEO_GENERATION",
    28: "VISUAL_DESCRIPTION",
}
# ReachPlugin::getCatalogItemName: "KalturaVendor" + CamelCase(feature) + "CatalogItem"
CATALOG_ITEM_CLASSES = {
    value: "KalturaVendor" + "".join(part.capitalize() for part in name.split("_")) + "CatalogItem"
    for value, name in FEATURE_NAMES.items()
}


def catalog_item_class(feature: int) -> str:
    """The API class of a catalog item; an unknown feature falls back to the captions class."""
    return CATALOG_ITEM_CLASSES.get(int(feature), "KalturaVendorCaptionsCatalogItem")


TASK_FIELDS = [
    "id",
    "partnerId",
    "vendorPartnerId",
    "createdAt",
    "updatedAt",
    "queueTime",
    "finishTime",
    "entryId",
    "status",
    "reachProfileId",
    "catalogItemId",
    "price",
    "userId",
    "entryObjectType",
    "unitsUsed",
    "moderatingUser",
    "errDescription",
    "accessKey",
    "version",
    "notes",
    "dictionary",
    "context",
    "accuracy",
    "outputObjectId",
    "partnerData",
    "creationMode",
    "taskJobData",
    "expectedFinishTime",
    "serviceType",
    "serviceFeature",
    "turnAroundTime",
    "externalTaskId",
    "externalObjectId",
]
UPDATABLE = {
    "status",
    "errDescription",
    "accuracy",
    "outputObjectId",
    "externalTaskId",
    "notes",
    "context",
    "partnerData",
    "unitsUsed",
}
INSERT_ONLY = {"entryId", "catalogItemId", "reachProfileId", "entryObjectType", "externalObjectId"}
BUSINESS_DAYS = {1, 2, 3, 4, 5, 6, 7, 10}


# ---------------------------------------------------------------------------------------------
# Creation (used by the scenario loader, as kReachManager does when a customer orders)


def expected_finish(created_at: int, turn_around_time: int) -> int:
    """createdAt + turnAroundTime (business days for 1–10, 7 days for BEST_EFFORT, else seconds)."""
    start = datetime.fromtimestamp(created_at, UTC)
    if turn_around_time == -1:
        return int((start + timedelta(days=7)).timestamp())
    if turn_around_time in BUSINESS_DAYS:
        current, remaining = start, turn_around_time
        while current.weekday() >= 5:
            current += timedelta(days=1)
        while remaining:
            current += timedelta(days=1)
            if current.weekday() < 5:
                remaining -= 1
        return int(current.timestamp())
    return created_at + max(0, turn_around_time)


def access_key_seconds(turn_around_time: int) -> int:
    """max(2 × turnaround, 7 days), turnaround in seconds (business days counted as days)."""
    tat = turn_around_time
    seconds = tat * 86400 if tat in BUSINESS_DAYS else (7 * 86400 if tat == -1 else tat)
    return max(2 * seconds, 7 * 86400)


def mint_access_key(store: Store, task: dict[str, Any], expiry_seconds: int) -> str:
    partner = store.get("partners", task["partnerId"])
    assert partner is not None
    entry_id = task["entryId"]
    privileges = (
        f"edit:{entry_id},setrole:REACH_VENDOR_ROLE,disableentitlementforentry:{entry_id},"
        f"sview:{entry_id},download:{entry_id}"
    )
    if task.get("_output_moderated"):
        privileges += ",enablecaptionmoderation"
    secret = str(partner["_admin_secret"]).split(",")[0]
    return ks_module.issue_ks(
        secret,
        int(partner["id"]),
        user="",
        type_=0,
        expiry_seconds=expiry_seconds,
        privileges=privileges,
        version=int(partner.get("_ks_version", 2)),
    )


def output_moderated(profile: dict[str, Any], service_type: int) -> bool:
    """The profile's autoDisplay flag for the service type is off: captions must not auto-display."""
    key = {
        MACHINE: "autoDisplayMachineCaptionsOnPlayer",
        HUMAN: "autoDisplayHumanCaptionsOnPlayer",
        HYBRID: "autoDisplayHybridCaptionsOnPlayer",
    }.get(service_type)
    value = profile.get(key) if key else None
    return value is not None and int(value) == 0


def initial_status(store: Store, item: dict[str, Any], profile: dict[str, Any], entry: dict[str, Any] | None) -> int:
    """``kReachManager::addEntryVendorTask``: an entry that is not READY wins over moderation."""
    if entry is not None and str(entry.get("status")) != "2":
        return PENDING_ENTRY_READY
    moderation_key = {
        MACHINE: "enableMachineModeration",
        HUMAN: "enableHumanModeration",
        HYBRID: "enableHybridModeration",
    }.get(int(item["serviceType"]))
    if moderation_key and int(profile.get(moderation_key) or 0) == 1:
        return PENDING_MODERATION
    return PENDING


def task_price(item: dict[str, Any], entry: dict[str, Any] | None) -> float:
    """``kReachUtils::calcPricePerMinute`` (and friends): price per started unit of the entry's duration."""
    pricing = item.get("pricing") or {}
    per_unit = float(pricing.get("pricePerUnit") or 0.0)
    seconds = int((entry or {}).get("msDuration") or 0) / 1000.0
    function = str(pricing.get("priceFunction") or "kReachUtils::calcPricePerMinute")
    unit = {"kReachUtils::calcPricePerHour": 3600, "kReachUtils::calcPricePerSecond": 1}.get(function, 60)
    return round(per_unit * max(1, -(-int(seconds) // unit)) if seconds else per_unit, 2)


def default_task_job_data(
    store: Store, item: dict[str, Any], entry: dict[str, Any] | None, source_caption: str | None = None
) -> dict[str, Any] | None:
    """``VendorCatalogItem::getTaskJobData`` per feature: none for plain captions, the source caption
    for translation (required when the item says ``requireSource``), the widened event window for
    live captions is added by the scenario loader (it knows the event)."""
    duration = int((entry or {}).get("msDuration") or 0) or None
    feature = int(item["serviceFeature"])
    if feature == 2:  # TRANSLATION
        caption_id = source_caption
        if caption_id is None and entry is not None:
            for caption in store.rows("caption_assets"):
                if (
                    caption.get("entryId") == entry["id"]
                    and caption.get("language") == item.get("sourceLanguage")
                    and int(caption.get("status") or 0) == 2
                ):
                    caption_id = caption["id"]
                    break
        if caption_id is None and item.get("requireSource"):
            raise ValueError(
                f"REQUIRE_CAPTION: catalog item {item['id']} needs a {item.get('sourceLanguage')} "
                f"caption on entry {(entry or {}).get('id')}"
            )
        if caption_id is None:
            return None
        return kobj(
            "KalturaTranslationVendorTaskData", entryDuration=duration, vendorComment=None, captionAssetId=caption_id
        )
    if feature in (4, 7, 9):  # AUDIO_DESCRIPTION, DUBBING, EXTENDED_AUDIO_DESCRIPTION
        cls = {4: "KalturaAudioDescriptionVendorTaskData", 7: "KalturaDubbingVendorTaskData"}.get(feature)
        return kobj(cls, entryDuration=duration, vendorComment=None) if cls else None
    return None


def create_task(store: Store, spec: dict[str, Any], now: int | None = None) -> dict[str, Any]:
    """Add a task as Kaltura does when a customer orders one (``kReachManager::addEntryVendorTask``).

    Args:
        store: the sandbox state (catalog items, REACH profiles and partners must be there).
        spec: task fields in Kaltura names: ``partnerId``, ``entryId``, ``catalogItemId``,
            ``reachProfileId``; optional ``id``, ``status`` (default: the server's initial status),
            ``createdAt``, ``expectedFinishTime`` (default: from the turnaround time),
            ``accessKeyExpirySeconds`` / ``accessKeyExpiresAt`` (override), ``notes``,
            ``dictionary`` (default: the profile's dictionary for the item's source language),
            ``taskJobData``, ``outputObjectId``, ``errDescription``, ``price``, ``externalTaskId``.
        now: the creation moment (default: now).

    Returns:
        The stored task (private keys included).
    """
    moment = now or int(time.time())
    item = store.get("catalog_items", spec["catalogItemId"])
    profile = store.get("reach_profiles", spec["reachProfileId"])
    if item is None:
        raise ValueError(f"task {spec.get('id')}: unknown catalog item {spec['catalogItemId']}")
    if profile is None:
        raise ValueError(f"task {spec.get('id')}: unknown REACH profile {spec['reachProfileId']}")
    entry = store.get("entries", spec["entryId"])
    task_id = int(spec.get("id") or store.next_int("task_id", 1000))
    created_at = int(spec.get("createdAt") or moment)
    tat = int(item["turnAroundTime"])
    status = spec.get("status")
    status = initial_status(store, item, profile, entry) if status is None else int(status)
    dictionary = spec.get("dictionary")
    if dictionary is None:
        for dictionary_item in profile.get("dictionaries") or []:
            if dictionary_item.get("language") == item.get("sourceLanguage"):
                dictionary = dictionary_item.get("data")
    job_data = spec.get("taskJobData")
    if job_data is None:
        job_data = default_task_job_data(store, item, entry, spec.get("sourceCaptionAssetId"))
    queued = status not in (PENDING_MODERATION, PENDING_ENTRY_READY)
    final = status in FINAL
    task: dict[str, Any] = kobj(
        "KalturaEntryVendorTask",
        id=task_id,
        partnerId=int(spec["partnerId"]),
        vendorPartnerId=int(item["vendorPartnerId"]),
        createdAt=created_at,
        updatedAt=int(spec.get("updatedAt") or created_at),
        queueTime=int(spec.get("queueTime") or created_at) if queued else None,
        finishTime=int(spec.get("finishTime") or moment) if status in (READY, ERROR) else None,
        entryId=spec["entryId"],
        status=status,
        reachProfileId=int(profile["id"]),
        catalogItemId=int(item["id"]),
        price=float(spec["price"]) if spec.get("price") is not None else task_price(item, entry),
        userId=spec.get("userId", "customer-admin"),
        entryObjectType=1,
        unitsUsed=None,
        moderatingUser=None,
        errDescription=spec.get("errDescription"),
        accessKey=None,
        version=int(spec.get("version") or (entry or {}).get("version") or 1),
        notes=spec.get("notes"),
        dictionary=dictionary,
        context=spec.get("context"),
        accuracy=None,
        outputObjectId=spec.get("outputObjectId"),
        partnerData=spec.get("partnerData"),
        creationMode=int(spec.get("creationMode", 1)),
        taskJobData=job_data,
        expectedFinishTime=int(spec["expectedFinishTime"])
        if spec.get("expectedFinishTime") is not None
        else (expected_finish(created_at, tat) if queued else None),
        serviceType=int(item["serviceType"]),
        serviceFeature=int(item["serviceFeature"]),
        turnAroundTime=tat,
        externalTaskId=spec.get("externalTaskId"),
        externalObjectId=None,
    )
    task["_output_moderated"] = output_moderated(profile, int(item["serviceType"]))
    task["_access_key_seconds"] = int(spec.get("accessKeyExpirySeconds") or access_key_seconds(tat))
    first_key_seconds = task["_access_key_seconds"]
    if spec.get("accessKeyExpiresAt") is not None:
        # a scenario may hand out a key that is about to expire (or already has)
        first_key_seconds = int(spec["accessKeyExpiresAt"]) - int(time.time())
    task["accessKey"] = mint_access_key(store, task, first_key_seconds)
    if final and status == READY:
        ks_module.revoke(store, task["accessKey"])
    store.put("tasks", task_id, task)
    return task


# ---------------------------------------------------------------------------------------------
# Helpers


def _is_vendor(store: Store, session: Session) -> bool:
    partner = store.get("partners", session.partner_id)
    return bool(partner and partner.get("_is_vendor"))


def _ids(text: Any) -> set[str]:
    return {p.strip() for p in str(text or "").split(",") if p.strip()}


def _apply_filter(tasks: list[dict[str, Any]], f: dict[str, Any]) -> list[dict[str, Any]]:
    def keep(t: dict[str, Any]) -> bool:
        checks = [
            ("idEqual", lambda v: int(t["id"]) == int(v)),
            ("idIn", lambda v: str(t["id"]) in _ids(v)),
            ("idNotIn", lambda v: str(t["id"]) not in _ids(v)),
            ("vendorPartnerIdEqual", lambda v: int(t["vendorPartnerId"]) == int(v)),
            ("entryIdEqual", lambda v: t["entryId"] == v),
            ("statusEqual", lambda v: int(t["status"]) == int(v)),
            ("statusIn", lambda v: str(t["status"]) in _ids(v)),
            ("reachProfileIdEqual", lambda v: int(t["reachProfileId"]) == int(v)),
            ("catalogItemIdEqual", lambda v: int(t["catalogItemId"]) == int(v)),
            ("catalogItemIdIn", lambda v: str(t["catalogItemId"]) in _ids(v)),
            ("vendorPartnerIdIn", lambda v: str(t["vendorPartnerId"]) in _ids(v)),
            ("reachProfileIdIn", lambda v: str(t["reachProfileId"]) in _ids(v)),
            ("entryObjectTypeEqual", lambda v: int(t.get("entryObjectType") or 1) == int(v)),
            ("entryObjectTypeIn", lambda v: str(t.get("entryObjectType") or 1) in _ids(v)),
            ("queueTimeGreaterThanOrEqual", lambda v: int(t.get("queueTime") or 0) >= int(v)),
            ("queueTimeLessThanOrEqual", lambda v: t.get("queueTime") is not None and int(t["queueTime"]) <= int(v)),
            ("finishTimeGreaterThanOrEqual", lambda v: int(t.get("finishTime") or 0) >= int(v)),
            ("finishTimeLessThanOrEqual", lambda v: t.get("finishTime") is not None and int(t["finishTime"]) <= int(v)),
            ("userIdEqual", lambda v: t.get("userId") == v),
            ("contextEqual", lambda v: t.get("context") == v),
            ("createdAtGreaterThanOrEqual", lambda v: int(t["createdAt"]) >= int(v)),
            ("createdAtLessThanOrEqual", lambda v: int(t["createdAt"]) <= int(v)),
            ("updatedAtGreaterThanOrEqual", lambda v: int(t["updatedAt"]) >= int(v)),
            ("updatedAtLessThanOrEqual", lambda v: int(t["updatedAt"]) <= int(v)),
            ("expectedFinishTimeGreaterThanOrEqual", lambda v: int(t["expectedFinishTime"] or 0) >= int(v)),
            ("expectedFinishTimeLessThanOrEqual", lambda v: int(t["expectedFinishTime"] or 0) <= int(v)),
        ]
        for name, check in checks:
            value = f.get(name)
            if value not in (None, "") and not check(value):
                return False
        return True

    return [t for t in tasks if keep(t)]


def _order(tasks: list[dict[str, Any]], order_by: str | None) -> list[dict[str, Any]]:
    order = (order_by or "+createdAt").split(",")[0].strip()
    descending = order.startswith("-")
    field = order.lstrip("+-") or "createdAt"
    return sorted(tasks, key=lambda t: ((t.get(field) is None), t.get(field) or 0, int(t["id"])), reverse=descending)


def _page(items: list[Any], pager: dict[str, Any] | None) -> list[Any]:
    pager = pager or {}
    size = as_int(pager.get("pageSize"), 30) or 30
    size = 500 if size > 500 else (30 if size <= 0 else size)
    index = max(1, as_int(pager.get("pageIndex"), 1) or 1)
    return items[(index - 1) * size : index * size]


def _list_response(object_type: str, objects: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return kobj(object_type, objects=objects, totalCount=total)


def _public(task: dict[str, Any]) -> dict[str, Any]:
    """A task as Kaltura answers it: its id is a BIGINT column, which PHP reads as a string (JSON and
    PHP answers carry ``"id":"5001"``; XML looks the same either way)."""
    public = {k: v for k, v in task.items() if not k.startswith("_")}
    if "id" in public:
        public["id"] = str(public["id"])
    return public


# ---------------------------------------------------------------------------------------------
# entryVendorTask


@action("reach_entryvendortask", "getJobs")
def get_jobs(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    session = _require_vendor_permission(ctx)
    f = dict(filter or {})
    f["vendorPartnerIdEqual"] = session.partner_id
    wanted = _ids(f.get("statusIn")) | ({str(f["statusEqual"])} if f.get("statusEqual") else set())
    if not wanted or not wanted <= {str(PENDING), str(SCHEDULED)}:
        f.pop("statusIn", None)
        f["statusEqual"] = PENDING
    tasks = _order(_apply_filter(list(ctx.store.rows("tasks")), f), f.get("orderBy"))
    return _list_response("KalturaEntryVendorTaskListResponse", [_public(t) for t in _page(tasks, pager)], len(tasks))


@action("reach_entryvendortask", "list")
def list_tasks(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    session = _require_reach(ctx)
    f = dict(filter or {})
    rows = list(ctx.store.rows("tasks"))
    if _is_vendor(ctx.store, session):
        f["vendorPartnerIdEqual"] = session.partner_id
    else:
        rows = [t for t in rows if int(t["partnerId"]) == session.partner_id]
    tasks = _order(_apply_filter(rows, f), f.get("orderBy"))
    return _list_response("KalturaEntryVendorTaskListResponse", [_public(t) for t in _page(tasks, pager)], len(tasks))


@action("reach_entryvendortask", "get")
def get(ctx: CallContext, id: str) -> dict[str, Any]:
    session = _require_reach(ctx)
    task = ctx.store.get("tasks", as_int(id))
    if task is None or int(task["partnerId"]) != session.partner_id:
        raise_error("ENTRY_VENDOR_TASK_NOT_FOUND", ID=id)
    assert task is not None
    return _public(task)


def _require_reach(ctx: CallContext) -> Session:
    """``EntryVendorTaskService::initService``: the partner must have REACH (``ReachPlugin::isAllowedPartner``)."""
    session = ctx.require_session()
    partner = ctx.store.get("partners", session.partner_id) or {}
    if not partner.get("_reach_enabled", True):
        raise_error("FEATURE_FORBIDDEN", FEATURE="reach")
    return session


def _require_vendor_permission(ctx: CallContext) -> Session:
    """getJobs, updateJob and extendAccessKey need REACH_VENDOR_PARTNER_PERMISSION: it is on their
    action permission items (deployment/permissions/service.reach.entryVendorTask.ini), so a
    partner without it is stopped by kPermissionManager with SERVICE_FORBIDDEN before the action's
    own VENDOR_TASK_SERVICE__GET_JOB_NOT_ALLOWED check could run."""
    session = ctx.require_session()
    # a widget session has WIDGET_SESSION_PERMISSION only, whatever partner opened it
    if not _is_vendor(ctx.store, session) or session.has("widget"):
        raise_error("SERVICE_FORBIDDEN", SERVICE=f"{ctx.service}->{ctx.action}")
    return _require_reach(ctx)


def _vendor_task(ctx: CallContext, id: str) -> tuple[Session, dict[str, Any]]:
    session = _require_vendor_permission(ctx)
    task = ctx.store.get("tasks", as_int(id))
    if task is None or int(task["vendorPartnerId"]) != session.partner_id:
        raise_error("ENTRY_VENDOR_TASK_NOT_FOUND", ID=id)
    assert task is not None
    return session, task


@action("reach_entryvendortask", "updateJob")
def update_job(ctx: CallContext, id: str, entryVendorTask: dict[str, Any]) -> dict[str, Any]:
    _, task = _vendor_task(ctx, id)
    changes = dict(entryVendorTask or {})
    now = int(time.time())
    with ctx.store.lock:
        for name in INSERT_ONLY:
            if name in changes and changes[name] is not None and str(changes[name]) != str(task.get(name)):
                raise_error("PROPERTY_VALIDATION_NOT_UPDATABLE", PROP_NAME=name)
        old = int(task["status"])
        new = as_int(changes.get("status"))
        if "status" in changes and changes["status"] is not None and new not in ALL_STATUSES:
            # KalturaRequestDeserializer validates enum values before the action runs
            raise_error(
                "INVALID_ENUM_VALUE",
                VALUE=changes["status"],
                PARAM_NAME="status",
                ENUM_TYPE="KalturaEntryVendorTaskStatus",
            )
        if new is not None and new != old:
            if old in FINAL:
                raise_error(
                    "CANNOT_UPDATE_STATUS_OF_TASK_WHICH_IS_IN_FINAL_STATE",
                    OLD_STATUS=old,
                    NEW_STATUS=new,
                    ID=task["id"],
                )
            if new in (PROCESSING, ABORTED) and old not in MAY_START:
                raise_error(
                    "ENTRY_VENDOR_TASK_ITEM_COULD_NOT_BE_UPDATED",
                    REASON=f"Entry vendor task item with id [{task['id']}] could not be updated to status [{new}]",
                )
        if "unitsUsed" in changes and old in FINAL and str(changes["unitsUsed"]) != str(task.get("unitsUsed")):
            raise_error(
                "CANNOT_UPDATE_UNIT_USED_OF_TASK_WHICH_IS_IN_FINAL_STATE",
                OLD_UNITS_USED=_php_text(task.get("unitsUsed")),
                NEW_UNITS_USED=_php_text(changes["unitsUsed"]),
                ID=task["id"],
            )
        if changes.get("partnerData"):
            try:
                json.loads(changes["partnerData"])
            except (TypeError, ValueError):
                raise_error("PARTNER_DATA_NOT_VALID_JSON_STRING")
        for name in UPDATABLE:
            if name in changes:
                value = changes[name]
                if name in ("accuracy", "status", "unitsUsed"):
                    value = as_int(value)
                task[name] = value
        if isinstance(changes.get("taskJobData"), dict):
            merged = dict(task.get("taskJobData") or {"objectType": changes["taskJobData"].get("objectType")})
            merged.update({k: v for k, v in changes["taskJobData"].items() if k != "objectType"})
            task["taskJobData"] = merged
        task["updatedAt"] = now
        if new is not None and new != old:
            if new == PENDING:
                task["queueTime"] = now
                task["expectedFinishTime"] = expected_finish(now, int(task["turnAroundTime"]))
            if new in (ERROR, ABORTED):
                _remove_scheduling_data(ctx.store, task)
            if new in (READY, ERROR):
                task["finishTime"] = now
            if new == READY:
                ks_module.revoke(ctx.store, task["accessKey"])
                for key in task.get("_issued_keys", []):
                    ks_module.revoke(ctx.store, key)
                _add_label_addition(ctx.store, task)
    return _public(task)


def _php_text(value: Any) -> str:
    """How PHP prints a value into an error message (null is the empty string)."""
    return "" if value is None else str(value)


def _remove_scheduling_data(store: Store, task: dict[str, Any]) -> None:
    """``EntryVendorTask::removeSchedulingData``: drop the task's live feature from its event."""
    job_data = task.get("taskJobData") or {}
    event = store.get("schedule_events", job_data.get("scheduledEventId")) if job_data.get("scheduledEventId") else None
    if event is None:
        return
    name = f"LiveCaptionFeature-reach-{task['id']}"
    event["liveFeatures"] = [f for f in event.get("liveFeatures") or [] if f.get("systemName") != name]


def _add_label_addition(store: Store, task: dict[str, Any]) -> None:
    """On READY, Kaltura appends the profile's label addition to the output caption's label."""
    if int(task["serviceFeature"]) != CAPTIONS_FEATURE or not task.get("outputObjectId"):
        return
    caption = store.get("caption_assets", task["outputObjectId"])
    profile = store.get("reach_profiles", task["reachProfileId"]) or {}
    # kReachManager::getLabelAdditionByType knows HUMAN and MACHINE only
    addition = {
        MACHINE: profile.get("labelAdditionForMachineServiceType"),
        HUMAN: profile.get("labelAdditionForHumanServiceType"),
    }.get(int(task["serviceType"]))
    if caption is not None and addition:
        caption["label"] = f"{caption.get('label') or ''} ({addition})"
        caption["updatedAt"] = int(time.time())


@action("reach_entryvendortask", "extendAccessKey")
def extend_access_key(ctx: CallContext, id: str) -> dict[str, Any]:
    _, task = _vendor_task(ctx, id)
    if int(task["status"]) not in (PROCESSING, SCHEDULED):
        raise_error("CANNOT_EXTEND_ACCESS_KEY")
    with ctx.store.lock:
        task.setdefault("_issued_keys", []).append(task["accessKey"])
        task["accessKey"] = mint_access_key(ctx.store, task, int(task["_access_key_seconds"]))
        task["updatedAt"] = int(time.time())
    return _public(task)


@action("reach_entryvendortask", "abort")
def abort(ctx: CallContext, id: str, abortReason: str | None = None) -> dict[str, Any]:
    """The customer cancels a task (EntryVendorTaskService::abortAction): the owner or an admin
    session of the task's partner; only PENDING_MODERATION, PENDING or SCHEDULED tasks. The task
    becomes ABORTED with the reason as errDescription, and a live task's feature leaves its event."""
    session = _require_reach(ctx)
    task = ctx.store.get("tasks", as_int(id))
    if task is None or int(task["partnerId"]) != session.partner_id:
        raise_error("ENTRY_VENDOR_TASK_NOT_FOUND", ID=id)
    assert task is not None
    with ctx.store.lock:
        if int(task["status"]) not in (PENDING_MODERATION, PENDING, SCHEDULED):
            raise_error("CANNOT_ABORT_NOT_MODERATED_TASK", ID=id)
        if session.type != 2 and session.user != (task.get("userId") or ""):
            raise_error("ENTRY_VENDOR_TASK_ACTION_NOT_ALLOWED", ID=id, USER_ID=session.user)
        task["status"] = ABORTED
        task["errDescription"] = abortReason
        task["updatedAt"] = int(time.time())
        _remove_scheduling_data(ctx.store, task)
    return _public(task)


# ---------------------------------------------------------------------------------------------
# Catalog items and profiles


@action("reach_vendorcatalogitem", "get")
def get_catalog_item(ctx: CallContext, id: str) -> dict[str, Any]:
    ctx.require_session()
    item = ctx.store.get("catalog_items", as_int(id))
    if item is None:
        raise_error("CATALOG_ITEM_NOT_FOUND", ID=id)
    assert item is not None
    return {k: v for k, v in item.items() if not k.startswith("_")}


@action("reach_vendorcatalogitem", "list")
def list_catalog_items(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    ctx.require_session()
    return catalog_item_list(ctx.store, filter or {}, pager)


def catalog_item_list(
    store: Store, f: dict[str, Any], pager: dict[str, Any] | None, parent: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``KalturaVendorCatalogItemFilter`` over the vendors' catalog items (also for related profiles)."""
    items = list(store.rows("catalog_items"))
    checks = {
        "idEqual": ("id", "eq"),
        "idIn": ("id", "in"),
        "idNotIn": ("id", "notin"),
        "vendorPartnerIdEqual": ("vendorPartnerId", "eq"),
        "vendorPartnerIdIn": ("vendorPartnerId", "in"),
        "statusEqual": ("status", "eq"),
        "statusIn": ("status", "in"),
        "serviceTypeEqual": ("serviceType", "eq"),
        "serviceTypeIn": ("serviceType", "in"),
        "serviceFeatureEqual": ("serviceFeature", "eq"),
        "serviceFeatureIn": ("serviceFeature", "in"),
        "turnAroundTimeEqual": ("turnAroundTime", "eq"),
        "turnAroundTimeIn": ("turnAroundTime", "in"),
        "catalogItemIdEqual": ("id", "eq"),
    }
    for name, (field, mode) in checks.items():
        value = f.get(name)
        if value in (None, ""):
            continue
        if mode == "eq":
            items = [i for i in items if str(i[field]) == str(value)]
        elif mode == "in":
            items = [i for i in items if str(i[field]) in _ids(value)]
        else:
            items = [i for i in items if str(i[field]) not in _ids(value)]
    items = _order(items, f.get("orderBy") or "+id")
    page = [{k: v for k, v in i.items() if not k.startswith("_")} for i in _page(items, pager)]
    return _list_response("KalturaVendorCatalogItemListResponse", page, len(items))


def reach_profile_list(
    store: Store, f: dict[str, Any], pager: dict[str, Any] | None, parent: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``KalturaReachProfileFilter`` for related profiles: the parent object's partner's profiles."""
    partner = (parent or {}).get("partnerId")
    rows = [p for p in store.rows("reach_profiles") if partner is None or int(p["partnerId"]) == int(partner)]
    for name, mode in (("idEqual", "eq"), ("idIn", "in"), ("statusEqual", "status")):
        value = f.get(name)
        if value in (None, ""):
            continue
        if mode == "eq":
            rows = [p for p in rows if str(p["id"]) == str(value)]
        elif mode == "in":
            rows = [p for p in rows if str(p["id"]) in _ids(value)]
        else:
            rows = [p for p in rows if str(p["status"]) == str(value)]
    rows = sorted(rows, key=lambda p: int(p["id"]))
    page = [{k: v for k, v in p.items() if not k.startswith("_")} for p in _page(rows, pager)]
    return _list_response("KalturaReachProfileListResponse", page, len(rows))


def task_list(
    store: Store, f: dict[str, Any], pager: dict[str, Any] | None, parent: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``KalturaEntryVendorTaskFilter`` for related profiles (e.g. an entry's tasks)."""
    partner = (parent or {}).get("partnerId")
    rows = [t for t in store.rows("tasks") if partner is None or int(t["partnerId"]) == int(partner)]
    tasks = _order(_apply_filter(rows, f), f.get("orderBy"))
    return _list_response("KalturaEntryVendorTaskListResponse", [_public(t) for t in _page(tasks, pager)], len(tasks))


for _filter_class in (
    "KalturaVendorCatalogItemFilter",
    "KalturaVendorCaptionsCatalogItemFilter",
    "KalturaVendorTranslationCatalogItemFilter",
):
    register_lister(_filter_class, catalog_item_list)
register_lister("KalturaReachProfileFilter", reach_profile_list)
register_lister("KalturaEntryVendorTaskFilter", task_list)


def _profile_for_admin(ctx: CallContext, id: str, action_name: str) -> dict[str, Any]:
    session = ctx.require_session()
    if session.type != 2 or "setrole" in session.privileges:
        raise_error("SERVICE_FORBIDDEN", SERVICE=f"reach_reachprofile->{action_name}")
    profile = ctx.store.get("reach_profiles", as_int(id))
    if profile is None or int(profile["partnerId"]) != session.partner_id:
        raise_error("REACH_PROFILE_NOT_FOUND", ID=id)
    assert profile is not None
    return {k: v for k, v in profile.items() if not k.startswith("_")}


@action("reach_reachprofile", "get")
def get_reach_profile(ctx: CallContext, id: str) -> dict[str, Any]:
    return _profile_for_admin(ctx, id, "get")


@action("reach_reachprofile", "list")
def list_reach_profiles(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    session = ctx.require_session()
    if session.type != 2 or "setrole" in session.privileges:
        raise_error("SERVICE_FORBIDDEN", SERVICE="reach_reachprofile->list")
    profiles = sorted(
        (p for p in ctx.store.rows("reach_profiles") if int(p["partnerId"]) == session.partner_id),
        key=lambda p: int(p["id"]),
    )
    page = [{k: v for k, v in p.items() if not k.startswith("_")} for p in _page(profiles, pager)]
    return _list_response("KalturaReachProfileListResponse", page, len(profiles))

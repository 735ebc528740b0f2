"""The sandbox's action framework: how an api_v3 action is declared, what it receives, how it fails.

Every Kaltura action the sandbox serves is a plain function registered with :func:`action`::

    @action("caption_captionasset", "add")
    def add(ctx: CallContext, entryId: str, captionAsset: dict) -> dict:
        entry = ctx.store.get("entries", entryId) or raise_error("ENTRY_ID_NOT_FOUND", ENTRY_ID=entryId)
        ...
        return kobj("KalturaCaptionAsset", id=..., entryId=entryId, ...)

* Parameters arrive already decoded from the wire (JSON body, multipart ``json`` part, form fields,
  query string or ``/key/value`` path pairs), by name. Scalars are strings as the client sends them;
  nested objects are dicts that keep their ``objectType``; files are :class:`UploadedFile`.
  Use :func:`as_int`, :func:`as_bool` and :func:`as_float` to read scalars.
* The function returns a Kaltura object (a dict made with :func:`kobj`, ``objectType`` first), a list,
  a scalar (str/int/float/bool) or ``None`` (void). The serializer (format=2 XML, format=1 JSON)
  turns it into Kaltura's envelope.
* Keys that start with ``_`` in a stored object are private to the sandbox (ground-truth text, file
  paths, secrets) and are never serialized.
* A Kaltura API error is raised with :func:`raise_error` (code + template arguments); the message
  template comes from :data:`ERROR_TEMPLATES`, copied from Kaltura's ``KalturaErrors`` /
  ``KalturaReachErrors`` / plugin error classes.

The sandbox plays Kaltura: it must never import ``reachflow``, ``flows``, ``tasks`` or ``blocks``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------------------------------------
# Errors


ERROR_TEMPLATES: dict[str, str] = {
    # Generic / session (api_v3/lib/KalturaErrors.php, APIErrors.class.php)
    "INTERNAL_SERVERL_ERROR": "Internal server error occurred",
    "UNKNOWN_RESPONSE_FORMAT": "Response format provided [@FORMAT@] is not recognized by server",
    "INVALID_KS": 'Invalid KS "@KSID@", Error "@ERR_CODE@,@ERR_DESC@"',
    "MISSING_KS": "Missing KS, session not established",
    "SERVICE_FORBIDDEN": "The access to service [@SERVICE@] is forbidden",
    "FEATURE_FORBIDDEN": "The usage of feature [@FEATURE@] is forbidden",
    "SERVICE_DOES_NOT_EXISTS": 'Service "@SRV_NAME@" does not exists',
    "ACTION_DOES_NOT_EXISTS": 'Action "@ACTION_NAME@" does not exists for service "@SERVICE_NAME@"',
    "MISSING_MANDATORY_PARAMETER": 'Missing parameter "@PARAM_NAME@"',
    "INVALID_ENUM_VALUE": 'Invalid enumeration value "@VALUE@" for parameter "@PARAM_NAME@", expecting enumeration type "@ENUM_TYPE@"',
    "INVALID_OBJECT_TYPE": 'Invalid object type "@TYPE@"',
    "INVALID_OBJECT_ID": "Invalid object id [@ID@]",
    "PROPERTY_VALIDATION_NOT_UPDATABLE": 'The property "@PROP_NAME@" cannot be updated',
    "PROPERTY_VALIDATION_CANNOT_BE_NULL": 'The property "@PROP_NAME@" cannot be null',
    "START_SESSION_ERROR": "Error while starting session for partner [@PID@]",
    "INVALID_WIDGET_ID": "Unknown widget [@WIDGET_ID@]",
    "APP_TOKEN_ID_NOT_FOUND": 'Application token id "@ID@" not found',
    "APP_TOKEN_NOT_ACTIVE": 'Application token id "@ID@" is not active',
    "APP_TOKEN_EXPIRED": 'Application token id "@ID@" is expired',
    "INVALID_APP_TOKEN_HASH": "Invalid application token hash",
    "ENTRY_ID_NOT_FOUND": 'Entry id "@ENTRY_ID@" not found',
    "INVALID_ENTRY_ID": 'Invalid entry id "@ENTRY_ID@"',
    "ASSET_ID_NOT_FOUND": 'Asset id "@ASSET_ID@" not found',
    "FLAVOR_ASSET_ID_NOT_FOUND": 'Flavor asset id "@ID@" not found',
    "FLAVOR_PARAMS_ID_NOT_FOUND": 'Flavor params id "@ID@" not found',
    "FLAVOR_ASSET_ALREADY_EXISTS": 'Flavor asset id "@ASSET_ID@" already use flavor params id "@PARAMS_ID@"',
    "THUMB_ASSET_ID_NOT_FOUND": 'The Thumbnail asset id "@ID@" not found',
    "UPLOAD_TOKEN_NOT_FOUND": "Upload token not found",
    "UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD": "Upload token is in an invalid status for uploading a file",
    "UPLOAD_TOKEN_CANNOT_RESUME": "Cannot resume the upload, original file was not found",
    "UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE": "Cannot match expected file size",
    "UPLOAD_ERROR": "Upload failed",
    "UPLOADED_FILE_NOT_FOUND_BY_TOKEN": "The uploaded file was not found by the given token id, or was already used",
    "RESOURCE_TYPE_NOT_SUPPORTED": 'Resource type "@RESOURCE_TYPE@" is not supported',
    "INVALID_SCHEDULE_EVENT_TYPE": "Schedule Event id [@ID@] is of inappropriate type for action",
    "FEATURE_NAME_NOT_FOUND": "LiveFeature with name [@NAME@] not found",
    "CANNOT_UPDATE_SCHEDULE_EVENT_FEATURE": "Cannot update schedule event feature",
    "NO_PERMISSION_ON_ENTRY": "Current user does not have permission on entry [@ENTRY_ID@]",
    # the space after the code's ';' is part of these two templates in KalturaErrors.php
    "INVALID_LANGUAGE_CODE": ' Invalid language code ["@LANGUAGE_CODE@"]',
    "WRONG_REQUEST_LANGUAGE": ' Language must be set to MULTI when adding MultiLingualString. Given ["@LANGUAGE@"]',
    "RESPONSE_PROFILE_NAME_NOT_FOUND": "Response profile name [@SYSTEM_NAME@] not found",
    "RESPONSE_PROFILE_ID_NOT_FOUND": "Response profile id [@ID@] not found",
    # Caption / attachment / cue point plugins
    "CAPTION_ASSET_ID_NOT_FOUND": 'Caption asset id "@ASSET_ID@" not found',
    "CAPTION_ASSET_IS_NOT_READY": "Caption asset has no ready file sync",
    "CAPTION_ASSET_ALREADY_EXISTS": "Caption asset [@ASSET_ID@] already exists for params id [@PARAMS_ID@]",
    "CAPTION_ASSET_INVALID_FORMAT": "Caption asset format [@FORMAT@] is invalid",
    "ATTACHMENT_ASSET_ID_NOT_FOUND": 'Attachment asset id "@ASSET_ID@" not found',
    "ATTACHMENT_ASSET_IS_NOT_READY": "Attachment asset has no ready file sync",
    "CUE_POINT_NOT_FOUND": "Cue point with id provided not found [@ID@]",
    "INVALID_CUE_POINT_ID": "Invalid cue point id [@ID@]",
    # plugins/cue_points/base/errors (kCuePointErrors.php, KalturaCuePointErrors.php)
    "CUE_POINT_SYSTEM_NAME_EXISTS": "Cue point system name already exists [@NAME@] with id [@ID@]",
    "START_TIME_CANNOT_BE_LESS_THAN_0": "Start time cannot be less than 0",
    "START_TIME_IS_BIGGER_THAN_ENTRY_END_TIME": "Start time of the cue point [@CUE_POINT_ID@] cannot be bigger than entry end time [@END_TIME@]",
    "CANNOT_UPDATE_ENTRY_ID": "Cannot update cue point's entry id",
    "XML_INVALID": "XML is invalid",
    "PROPERTY_VALIDATION_MAX_LENGTH": 'The property "@PROP_NAME@" cannot have more than @MAX_LEN@ characters',
    # REACH (plugins/reach/errors/KalturaReachErrors.php)
    "CATALOG_ITEM_NOT_FOUND": "Catalog item with id provided not found [@ID@]",
    "REACH_PROFILE_NOT_FOUND": "Reach profile with id provided not found [@ID@]",
    "VENDOR_TASK_SERVICE__GET_JOB_NOT_ALLOWED": "Vendor task service 'Get Job' action not allowed. Vendor partner Type is not enabled on partner [@ID@]",
    "ENTRY_VENDOR_TASK_NOT_FOUND": "Entry vendor task item with id provided not found [@ID@]",
    "CANNOT_ABORT_NOT_MODERATED_TASK": "Cannot abort task [@ID@], task is not in a status that can be aborted",
    "ENTRY_VENDOR_TASK_ACTION_NOT_ALLOWED": "Entry vendor task [@ID@] action not allowed for user [@USER_ID@]",
    "ENTRY_VENDOR_TASK_ITEM_COULD_NOT_BE_UPDATED": "@REASON@",
    "PARTNER_DATA_NOT_VALID_JSON_STRING": "Partner data must be a valid json string",
    "CANNOT_UPDATE_STATUS_OF_TASK_WHICH_IS_IN_FINAL_STATE": "Cannot update status from [@OLD_STATUS@] to [@NEW_STATUS@] for task with id [@ID@], since task is in final status",
    "CANNOT_UPDATE_UNIT_USED_OF_TASK_WHICH_IS_IN_FINAL_STATE": "Cannot update unitsUsed from [@OLD_UNITS_USED@] to [@NEW_UNITS_USED@] for task with id [@ID@], since task is in final state",
    "CANNOT_EXTEND_ACCESS_KEY": "Extending accessKey for non processing task is not allowed",
    "FAILED_EXTEND_ACCESS_KEY": "Extending accessKey operation failed",
}


class KalturaAPIError(Exception):
    """A Kaltura API error: serialized as ``<error><code/><message/><objectType>KalturaAPIException``."""

    def __init__(self, code: str, message: str, args: dict[str, str] | None = None) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message
        self.args_map: dict[str, str] = dict(args or {})


def raise_error(code: str, **args: Any) -> Any:
    """Raise the Kaltura error ``code`` with its message template filled from ``args``.

    The return annotation lets it be used in expressions (``x or raise_error(...)``).
    """
    template = ERROR_TEMPLATES.get(code, code)
    message = template
    for name, value in args.items():
        message = message.replace(f"@{name}@", str(value))
    # APIErrors::getErrorData: the arguments are the ones the error constant names
    named = {k: str(v) for k, v in args.items() if code not in ERROR_TEMPLATES or f"@{k}@" in template}
    raise KalturaAPIError(code, message, named)


# ---------------------------------------------------------------------------------------------
# Values


def kobj(object_type: str, **fields: Any) -> dict[str, Any]:
    """A Kaltura object: ``objectType`` first, then the fields in the order given (None = null)."""
    obj: dict[str, Any] = {"objectType": object_type}
    obj.update(fields)
    return obj


@dataclass
class RawResponse:
    """A non-envelope answer (``serve`` actions return the file itself, as Kaltura does)."""

    content: bytes
    media_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


_TRUE = {"1", "true", "True", "TRUE"}
_FALSE = {"0", "false", "False", "FALSE", ""}


def as_int(value: Any, default: int | None = None) -> int | None:
    """Read an int parameter as the server does (empty/absent -> default)."""
    if value is None or value == "" or isinstance(value, dict):
        return default
    if isinstance(value, bool):
        return int(value)
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def as_float(value: Any, default: float | None = None) -> float | None:
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def as_nullable_bool(value: Any) -> bool | None:
    """A ``KalturaNullableBoolean`` parameter (-1 or empty = null) as the object stores it: the JSON
    and PHP answers carry ``true``/``false`` (the XML one 1/0)."""
    if value is None or str(value) in ("", "-1"):
        return None
    return as_bool(value)


def as_bool(value: Any, default: bool | None = None) -> bool | None:
    """Kaltura casts 'false' (any case) to False and anything else non-empty to True."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value)
    if text in _TRUE:
        return True
    if text in _FALSE or text.lower() == "false":
        return False
    return bool(text)


# configurations/base.ini max_relative_time: 10 years
MAX_RELATIVE_TIME = 315360000
_TIME_FILTER = re.compile(r"^(\w*(At|Time|Date))(GreaterThanOrEqual|LessThanOrEqual|Equal)$")


def relative_time(value: Any, now: float | None = None) -> int:
    """``kTime::getRelativeTime``: a time within ±10 years of 0 counts from now (``-3600`` = an hour
    ago); empty is 0, -1 stays -1 (REMOVE_DATE), anything else is absolute."""
    if value is None or str(value) == "":
        return 0
    number = as_int(value, 0) or 0
    if number != -1 and -MAX_RELATIVE_TIME <= number <= MAX_RELATIVE_TIME:
        return int(now if now is not None else time.time()) + number
    return number


def with_relative_times(filter_spec: Any) -> Any:
    """A filter with its time-typed fields (``createdAtGreaterThanOrEqual``, ``queueTimeLessThanOrEqual``,
    ``startDateGreaterThanOrEqual``...) resolved as the deserializer does for ``@var time``
    properties. (``startTime`` of cue points is milliseconds, not a time.)"""
    if not isinstance(filter_spec, dict):
        return filter_spec
    out = dict(filter_spec)
    for key, value in filter_spec.items():
        match = _TIME_FILTER.match(key)
        if match and match.group(1) != "startTime" and value not in (None, ""):
            out[key] = relative_time(value)
    return out


# multiLingualUtils::LANGUAGE_CODE_REGEX, and the request language that asks for every language
LANGUAGE_CODE = re.compile(r"^[a-zA-Z]{2,4}([-_][a-zA-Z]{2,4})?$")
MULTI = "MULTI"


def request_language(params: dict[str, Any]) -> str | None:
    """The call's ``language`` request parameter as ``kCurrentContext::$language`` holds it.

    ``KalturaDispatcher::dispatch`` accepts ``multi`` or a code matching ``LANGUAGE_CODE_REGEX``
    (``INVALID_LANGUAGE_CODE`` otherwise) and upper-cases it.
    """
    value = params.get("language")
    if value is None or value == "":
        return None
    text = str(value)
    if text.upper() != MULTI and not LANGUAGE_CODE.match(text):
        raise_error("INVALID_LANGUAGE_CODE", LANGUAGE_CODE=text)
    return text.upper()


# ---------------------------------------------------------------------------------------------
# State


class Store:
    """The sandbox's in-memory state: named tables of Kaltura objects (plain dicts) keyed by id.

    Any module may create its own table (``store.table("caption_assets")``). All mutation happens
    under ``store.lock`` (the server handles requests on several threads).
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._tables: dict[str, dict[str, dict[str, Any]]] = {}
        self._counters: dict[str, int] = {}
        self.extra: dict[str, Any] = {}  # module-private state (media dir, fault plan, ...)

    def table(self, name: str) -> dict[str, dict[str, Any]]:
        with self.lock:
            return self._tables.setdefault(name, {})

    def get(self, name: str, key: Any) -> dict[str, Any] | None:
        return self.table(name).get(str(key))

    def put(self, name: str, key: Any, obj: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.table(name)[str(key)] = obj
        return obj

    def rows(self, name: str) -> Iterator[dict[str, Any]]:
        with self.lock:
            return iter(list(self.table(name).values()))

    def next_int(self, name: str, start: int = 1) -> int:
        """A monotonically increasing integer id per sequence name."""
        with self.lock:
            value = self._counters.get(name, start - 1) + 1
            self._counters[name] = value
            return value


# ---------------------------------------------------------------------------------------------
# Calls


@dataclass
class Session:
    """A validated KS (see ks.py)."""

    ks: str
    partner_id: int
    type: int  # 0 USER, 2 ADMIN
    user: str
    expiry: int
    privileges: dict[str, str] = field(default_factory=dict)  # name -> value ('' when none)

    def has(self, privilege: str) -> bool:
        return privilege in self.privileges


@dataclass
class CallContext:
    """What an action receives besides its parameters."""

    store: Store
    service: str  # lower-case service id, e.g. "reach_entryvendortask"
    action: str  # the action as sent, e.g. "getJobs"
    params: dict[str, Any]  # every decoded parameter of this call
    base_url: str  # e.g. "http://127.0.0.1:8765" (no trailing slash), for URLs the sandbox mints
    session: Session | None = None  # the validated KS of the call, if one was sent and is valid
    raw_ks: str | None = None  # the KS string as sent (even if invalid)
    # A kaltura_error fault with ``after_items``: a bulk action fails with it after that many items.
    fail_after_items: tuple[int, KalturaAPIError] | None = None

    def require_session(self) -> Session:
        """The call's session, or MISSING_KS / INVALID_KS (validation happens in the dispatcher)."""
        if self.session is None:
            raise_error("MISSING_KS")
        assert self.session is not None
        return self.session


ActionFn = Callable[..., Any]


@dataclass
class ActionSpec:
    service: str
    action: str
    fn: ActionFn
    needs_ks: bool  # False for ksIgnored actions such as session.start / startWidgetSession


ACTIONS: dict[tuple[str, str], ActionSpec] = {}


def action(service: str, name: str, *, needs_ks: bool = True) -> Callable[[ActionFn], ActionFn]:
    """Register ``fn`` as ``/api_v3/service/<service>/action/<name>`` (matched case-insensitively)."""

    def register(fn: ActionFn) -> ActionFn:
        ACTIONS[(service.lower(), name.lower())] = ActionSpec(service.lower(), name, fn, needs_ks)
        return fn

    return register


def find_action(service: str, name: str) -> ActionSpec | None:
    return ACTIONS.get((service.lower(), name.lower()))


def check_entry_access(ctx: CallContext, entry: dict[str, Any], privilege: str = "sview") -> Session:
    """Apply Kaltura's entry-level KS checks for ``entry`` and return the session.

    * The KS partner must own the entry (another partner's entry is ``ENTRY_ID_NOT_FOUND``, as the
      partner filter hides it on the real server).
    * An ADMIN KS (type 2) of that partner may touch any of its entries.
    * A USER KS (type 0), such as a task accessKey, needs ``privilege:<entryId>`` (``edit`` for
      writes, ``sview``/``download`` for reads); values are ``/``-separated lists, ``*`` allows all.
      Otherwise ``NO_PERMISSION_ON_ENTRY``... except that an accessKey scoped to a different entry
      is rejected as ``ENTRY_ID_NOT_FOUND`` when it does not even list the entry.
    """
    session = ctx.require_session()
    entry_id = str(entry.get("id"))
    if int(entry.get("partnerId") or 0) != session.partner_id:
        raise_error("ENTRY_ID_NOT_FOUND", ENTRY_ID=entry_id)
    if session.type == 2:
        return session
    scoped = {
        name: set(value.split("/"))
        for name, value in session.privileges.items()
        if name in ("edit", "sview", "download", "disableentitlementforentry")
    }
    if not scoped:
        # A plain user KS with no entry privileges: Kaltura's entitlement would hide the entry.
        raise_error("NO_PERMISSION_ON_ENTRY", ENTRY_ID=entry_id)
    allowed = scoped.get(privilege, set()) | scoped.get("edit", set())
    if entry_id not in allowed and "*" not in allowed:
        if not any(entry_id in values for values in scoped.values()):
            raise_error("ENTRY_ID_NOT_FOUND", ENTRY_ID=entry_id)
        raise_error("NO_PERMISSION_ON_ENTRY", ENTRY_ID=entry_id)
    return session

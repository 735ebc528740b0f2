"""A small REACH scenario and helpers shared by the sandbox core tests (protocol, sessions, tasks,
faults). Everything is checked through the official ``KalturaClient``; raw HTTP only for wire
details. One sandbox serves every test module (started on first use, stopped at exit)."""

from __future__ import annotations

import atexit
import hashlib
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from KalturaClient import KalturaClient, KalturaConfiguration
from KalturaClient.Plugins.Core import KalturaSessionType

from kaltura_sandbox.testing import RunningSandbox, running_sandbox

VENDOR = 9100
CUSTOMER_A, CUSTOMER_B, CUSTOMER_C = 2101, 2102, 2103
SECRETS = {VENDOR: "vendor-secret-9100", CUSTOMER_A: "alpha-secret-2101", CUSTOMER_B: "beta-secret-2102",
           CUSTOMER_C: "gamma-secret-2103"}
APP_TOKENS = {
    "0_sha256": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
    "0_sha1": "00112233445566778899aabbccddeeff",
    "0_off": "ffffffffffffffffffffffffffffffff",
    "0_expired": "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
    "0_user": "0123456789abcdef0123456789abcdef",
}
# The mutation pool: PENDING captions tasks that a single test may move through states.
POOL = list(range(3001, 3041))
SILENCE = [{"silence": 1.0}]

SCENARIO: dict[str, Any] = {
    "vendor": {
        "partner_id": VENDOR,
        "admin_secret": SECRETS[VENDOR],
        "app_token": {"id": "0_sha256", "token": APP_TOKENS["0_sha256"], "hash_type": "SHA256",
                      "session_type": "ADMIN", "session_privileges": "disableentitlement"},
        "app_tokens": [
            {"id": "0_sha1", "token": APP_TOKENS["0_sha1"], "session_type": "ADMIN",
             "session_privileges": "disableentitlement"},
            {"id": "0_off", "token": APP_TOKENS["0_off"], "hash_type": "SHA256", "status": "DISABLED"},
            {"id": "0_expired", "token": APP_TOKENS["0_expired"], "hash_type": "SHA256", "expiry": "-1h"},
            {"id": "0_user", "token": APP_TOKENS["0_user"], "hash_type": "SHA512", "session_type": "USER",
             "session_user_id": "vendor-bot", "session_duration": 600},
        ],
    },
    "catalog_items": [
        {"id": 201, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS",
         "source_language": "English", "output_format": "SRT", "price_per_unit": 0.5},
        {"id": 202, "feature": "CAPTIONS", "service_type": "HUMAN", "turn_around_time": "FOUR_BUSINESS_DAYS",
         "source_language": "English"},
        {"id": 203, "feature": "TRANSLATION", "service_type": "MACHINE", "turn_around_time": "TWENTY_FOUR_HOURS",
         "source_language": "English", "target_language": "Spanish", "require_source": True},
        {"id": 204, "feature": "DUBBING", "service_type": "MACHINE", "turn_around_time": "FORTY_EIGHT_HOURS",
         "source_language": "English", "target_language": "Spanish", "flavor_params_id": 1507,
         "clear_audio_flavor_params_id": 1607},
        {"id": 205, "feature": "LIVE_CAPTION", "service_type": "MACHINE", "turn_around_time": "IMMEDIATE",
         "source_language": "English", "start_time_buffer": 120, "end_time_buffer": 60},
        {"id": 206, "feature": "AUDIO_DESCRIPTION", "service_type": "MACHINE", "turn_around_time": "BEST_EFFORT",
         "source_language": "English"},
        {"id": 207, "feature": "EXTENDED_AUDIO_DESCRIPTION", "service_type": "MACHINE",
         "turn_around_time": "FIVE_DAYS", "source_language": "English"},
        {"id": 208, "feature": "CHAPTERING", "service_type": "MACHINE", "turn_around_time": "SIX_HOURS",
         "source_language": "English"},
        {"id": 209, "feature": "TRANSLATION", "service_type": "HUMAN", "turn_around_time": "FIVE_BUSINESS_DAYS",
         "source_language": "English", "target_language": "French", "require_source": False},
    ],
    "customers": [
        {
            "partner_id": CUSTOMER_A,
            "admin_secret": SECRETS[CUSTOMER_A],
            "user_secret": "alpha-user-secret",
            "reach_profiles": [{
                "id": 401, "name": "Alpha lectures", "default_output_format": "VTT",
                "enable_speaker_change_indication": True, "enable_profanity_removal": True,
                "max_characters_per_caption_line": 42, "auto_display_machine_captions": False,
                "label_addition_machine": "auto", "content_deletion_policy": "DELETE_AFTER_WEEK",
                "processing_region": "EU", "dictionaries": {"English": "Kaltura\nREACH", "Spanish": "hola"},
            }],
            "entries": [
                {"id": "0_a1", "name": "Pool", "speech": SILENCE},
                {"id": "0_a2", "name": "Catalogue", "speech": SILENCE,
                 "captions": [{"id": "0_a2src", "language": "English", "content": "1\n00:00:00,000 --> 00:00:01,000\nhi\n"}]},
                {"id": "0_a3", "name": "Other", "speech": SILENCE},
            ],
            "schedule_events": [{"id": 7101, "entry": "0_a2", "start": "+2h", "end": "+3h"},
                                {"id": 7102, "entry": "0_a3", "start": "+1d", "end": "+25h"}],
            "task_batches": [{"count": len(POOL), "first_id": POOL[0], "entry": "0_a1", "catalog_item": 201,
                              "reach_profile": 401, "created": "-5h", "spacing": 60}],
            "tasks": [
                {"id": 3101, "entry": "0_a2", "catalog_item": 201, "reach_profile": 401, "created": "-3h",
                 "notes": "Names: <Ann & Bob>"},
                {"id": 3102, "entry": "0_a2", "catalog_item": 203, "reach_profile": 401, "created": "-2h",
                 "source_caption": "0_a2src"},
                {"id": 3103, "entry": "0_a2", "catalog_item": 205, "reach_profile": 401, "created": "-90m",
                 "status": "SCHEDULED", "schedule_event": 7101},
                {"id": 3104, "entry": "0_a2", "catalog_item": 202, "reach_profile": 401, "created": "-1h",
                 "status": "PROCESSING"},
                {"id": 3105, "entry": "0_a2", "catalog_item": 201, "reach_profile": 401, "created": "-1d",
                 "status": "READY"},
                {"id": 3106, "entry": "0_a2", "catalog_item": 201, "reach_profile": 401, "created": "-1d",
                 "status": "ERROR", "err_description": "no speech"},
                {"id": 3107, "entry": "0_a2", "catalog_item": 201, "reach_profile": 401, "created": "-1d",
                 "status": "ABORTED"},
                {"id": 3108, "entry": "0_a2", "catalog_item": 201, "reach_profile": 401, "created": "-1d",
                 "status": "REJECTED"},
                {"id": 3109, "entry": "0_a2", "catalog_item": 201, "reach_profile": 401, "created": "-1d",
                 "status": "PENDING_MODERATION"},
                {"id": 3110, "entry": "0_a2", "catalog_item": 204, "reach_profile": 401, "created": "-30m"},
                {"id": 3111, "entry": "0_a2", "catalog_item": 209, "reach_profile": 401, "created": "-20m"},
                {"id": 3112, "entry": "0_a3", "catalog_item": 206, "reach_profile": 401, "created": "-10m",
                 "status": "PROCESSING", "access_key_expiry_seconds": 3600},
                {"id": 3113, "entry": "0_a3", "catalog_item": 201, "reach_profile": 401, "created": "-9d",
                 "status": "PROCESSING", "access_key_expires": "-1m"},
                {"id": 3114, "entry": "0_a3", "catalog_item": 205, "reach_profile": 401, "created": "-1h",
                 "status": "SCHEDULED", "schedule_event": 7102},
            ],
        },
        {
            "partner_id": CUSTOMER_B,
            "admin_secret": SECRETS[CUSTOMER_B],
            "ks_version": 1,
            "reach_profiles": [{"id": 402, "name": "Beta", "enable_human_moderation": True}],
            "entries": [{"id": "0_b1", "speech": SILENCE}],
            "tasks": [
                {"id": 3201, "entry": "0_b1", "catalog_item": 201, "reach_profile": 402, "created": "-4h"},
                {"id": 3202, "entry": "0_b1", "catalog_item": 202, "reach_profile": 402, "created": "-4h"},
            ],
        },
        {
            "partner_id": CUSTOMER_C,
            "admin_secret": SECRETS[CUSTOMER_C],
            "reach_profiles": [{"id": 403, "name": "Gamma"}],
            "entries": [{"id": "0_c1", "speech": SILENCE}],
            "tasks": [{"id": 3301, "entry": "0_c1", "catalog_item": 207, "reach_profile": 403, "created": "-6h"}],
        },
        {"partner_id": 2104, "admin_secret": "delta-secret-2104", "reach_enabled": False},
    ],
}

MEDIA_DIR = Path(tempfile.gettempdir()) / "kaltura-sandbox-media"
_STACK = ExitStack()
_SHARED: list[RunningSandbox] = []


def shared_sandbox() -> RunningSandbox:
    """The sandbox of :data:`SCENARIO`, started once per test process."""
    if not _SHARED:
        _SHARED.append(_STACK.enter_context(running_sandbox(SCENARIO, media_dir=MEDIA_DIR)))
        atexit.register(_STACK.close)
    return _SHARED[0]


def client(base_url: str, ks: str | bytes | None = None, timeout: float = 10) -> KalturaClient:
    """An official client on the sandbox (optionally with a KS)."""
    config = KalturaConfiguration(serviceUrl=base_url)
    config.requestTimeout = timeout
    result = KalturaClient(config)
    if ks is not None:
        result.setKs(ks)
    return result


def admin_ks(base_url: str, partner_id: int, privileges: str = "") -> str:
    """session.start with the partner's admin secret (type ADMIN)."""
    return client(base_url).session.start(SECRETS[partner_id], "admin", KalturaSessionType.ADMIN, partner_id,
                                          86400, privileges or "")


def vendor_ks(base_url: str, token_id: str = "0_sha256", hash_name: str = "sha256") -> str:
    """The vendor's sign-in: widget session, then appToken.startSession with the hash."""
    c = client(base_url)
    widget = c.session.startWidgetSession(f"_{VENDOR}", 86400)
    c.setKs(widget.ks)
    token_hash = hashlib.new(hash_name, (widget.ks + APP_TOKENS[token_id]).encode()).hexdigest()
    return c.appToken.startSession(token_id, token_hash, "", KalturaSessionType.ADMIN, 86400).ks


def access_key(base_url: str, task_id: int) -> str:
    """A task's accessKey as the vendor reads it (entryVendorTask.list with the vendor KS)."""
    from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter

    f = KalturaEntryVendorTaskFilter()
    f.idEqual = task_id
    f.statusIn = "1,2,3,4,5,6,7,8,9"
    tasks = client(base_url, vendor_ks(base_url)).reach.entryVendorTask.list(f).objects
    assert len(tasks) == 1, task_id
    return tasks[0].accessKey

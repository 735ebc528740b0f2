"""The one fixture system of the sandbox tests: one inline scenario (``scenario()``) served once per
test module (``sandbox``), the sandbox's content-keyed media cache (``media_cache``), and ``Kit``.

``kit`` wraps the official ``KalturaClient`` calls every module needs (admin sessions, the
vendor's appToken sign-in, a task's accessKey) so tests read as Kaltura calls.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from KalturaClient import KalturaClient, KalturaConfiguration
from KalturaClient.Plugins.Core import KalturaSessionType

from kaltura_sandbox.testing import DEFAULT_MEDIA_DIR, RunningSandbox, running_sandbox

VENDOR = 9500
CUSTOMER, OTHER_CUSTOMER = 2501, 2502
# Customers for the REACH rules: A (tasks in every state, live events, a mutation pool), B (v1 KS,
# human moderation), C (extended audio description), and 2104 without REACH.
CUSTOMER_A, CUSTOMER_B, CUSTOMER_C, NO_REACH = 2101, 2102, 2103, 2104
SECRETS = {
    VENDOR: "vendor-secret-9500",
    CUSTOMER: "customer-secret-2501",
    OTHER_CUSTOMER: "other-secret-2502",
    CUSTOMER_A: "alpha-secret-2101",
    CUSTOMER_B: "beta-secret-2102",
    CUSTOMER_C: "gamma-secret-2103",
    NO_REACH: "delta-secret-2104",
}
ALPHA_USER_SECRET = "alpha-user-secret"
# PENDING captions tasks of customer A on 0_a1 that a single test may move through states.
POOL = list(range(3001, 3041))
SILENCE: list[dict[str, Any]] = [{"silence": 1.0}]
OTHER_USER_SECRET = "other-user-secret-2502"  # opens USER sessions only
APP_TOKEN_ID, APP_TOKEN = "0_rfsbx01", "5e1f0c3b2a4d6e8f9a0b1c2d3e4f5a6b"
# More app tokens of the vendor: without hash type (SHA1), disabled, expired, and a USER-session one.
APP_TOKENS = {
    APP_TOKEN_ID: APP_TOKEN,
    "0_sha1": "00112233445566778899aabbccddeeff",
    "0_off": "ffffffffffffffffffffffffffffffff",
    "0_expired": "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
    "0_user": "0123456789abcdef0123456789abcdef",
}

SPEECH_ONE = "Captions make every lecture easier to follow."
SPEECH_TWO = "The sandbox speaks so tests know the words."

# Entries of the customer: short speech so synthesis stays cheap (and is cached by content).
ENTRIES: list[dict[str, Any]] = [
    {
        "id": "0_rfent001",
        "name": "Lecture one",
        "tags": "lecture,week one",
        "speech": [{"text": SPEECH_ONE}],
        "flavors": ["source", "audio"],
    },
    {
        "id": "0_rfent002",
        "name": "Silent b-roll",
        "speech": [{"text": SPEECH_TWO}],
        "flavors": ["video_only", "broken"],
    },
    {
        "id": "0_rfent003",
        "name": "Podcast",
        "media_type": "audio",
        "speech": [{"text": SPEECH_ONE}, {"silence": 0.4}, {"text": SPEECH_TWO}],
        "flavors": ["audio"],
        "captions": [{"id": "0_rfsrccap", "language": "English", "label": "English", "format": "SRT"}],
    },
]


REACH_ITEMS: list[dict[str, Any]] = [
    {
        "id": 201,
        "feature": "CAPTIONS",
        "service_type": "MACHINE",
        "turn_around_time": "TWO_HOURS",
        "source_language": "English",
        "output_format": "SRT",
        "price_per_unit": 0.5,
    },
    {
        "id": 202,
        "feature": "CAPTIONS",
        "service_type": "HUMAN",
        "turn_around_time": "FOUR_BUSINESS_DAYS",
        "source_language": "English",
    },
    {
        "id": 203,
        "feature": "TRANSLATION",
        "service_type": "MACHINE",
        "turn_around_time": "TWENTY_FOUR_HOURS",
        "source_language": "English",
        "target_language": "Spanish",
        "require_source": True,
    },
    {
        "id": 204,
        "feature": "DUBBING",
        "service_type": "MACHINE",
        "turn_around_time": "FORTY_EIGHT_HOURS",
        "source_language": "English",
        "target_language": "Spanish",
        "flavor_params_id": 1507,
        "clear_audio_flavor_params_id": 1607,
    },
    {
        "id": 205,
        "feature": "LIVE_CAPTION",
        "service_type": "MACHINE",
        "turn_around_time": "IMMEDIATE",
        "source_language": "English",
        "start_time_buffer": 120,
        "end_time_buffer": 60,
    },
    {
        "id": 206,
        "feature": "AUDIO_DESCRIPTION",
        "service_type": "MACHINE",
        "turn_around_time": "BEST_EFFORT",
        "source_language": "English",
    },
    {
        "id": 207,
        "feature": "EXTENDED_AUDIO_DESCRIPTION",
        "service_type": "MACHINE",
        "turn_around_time": "FIVE_DAYS",
        "source_language": "English",
    },
    {
        "id": 208,
        "feature": "CHAPTERING",
        "service_type": "MACHINE",
        "turn_around_time": "SIX_HOURS",
        "source_language": "English",
    },
    {
        "id": 209,
        "feature": "TRANSLATION",
        "service_type": "HUMAN",
        "turn_around_time": "FIVE_BUSINESS_DAYS",
        "source_language": "English",
        "target_language": "French",
        "require_source": False,
    },
]

REACH_CUSTOMERS: list[dict[str, Any]] = [
    {
        "partner_id": CUSTOMER_A,
        "admin_secret": SECRETS[CUSTOMER_A],
        "user_secret": ALPHA_USER_SECRET,
        "reach_profiles": [
            {
                "id": 401,
                "name": "Alpha lectures",
                "default_output_format": "VTT",
                "enable_speaker_change_indication": True,
                "enable_profanity_removal": True,
                "max_characters_per_caption_line": 42,
                "auto_display_machine_captions": False,
                "label_addition_machine": "auto",
                "content_deletion_policy": "DELETE_AFTER_WEEK",
                "processing_region": "EU",
                "dictionaries": {"English": "Kaltura\nREACH", "Spanish": "hola"},
            }
        ],
        "entries": [
            {"id": "0_a1", "name": "Pool", "speech": SILENCE},
            {
                "id": "0_a2",
                "name": "Catalogue",
                "speech": SILENCE,
                "captions": [
                    {"id": "0_a2src", "language": "English", "content": "1\n00:00:00,000 --> 00:00:01,000\nhi\n"}
                ],
            },
            {"id": "0_a3", "name": "Other", "speech": SILENCE},
        ],
        "schedule_events": [
            {"id": 7101, "entry": "0_a2", "start": "+2h", "end": "+3h"},
            {"id": 7102, "entry": "0_a3", "start": "+1d", "end": "+25h"},
        ],
        "task_batches": [
            {
                "count": len(POOL),
                "first_id": POOL[0],
                "entry": "0_a1",
                "catalog_item": 201,
                "reach_profile": 401,
                "created": "-5h",
                "spacing": 60,
            }
        ],
        "tasks": [
            {
                "id": 3101,
                "entry": "0_a2",
                "catalog_item": 201,
                "reach_profile": 401,
                "created": "-3h",
                "notes": "Names: <Ann & Bob>",
            },
            {
                "id": 3102,
                "entry": "0_a2",
                "catalog_item": 203,
                "reach_profile": 401,
                "created": "-2h",
                "source_caption": "0_a2src",
            },
            {
                "id": 3103,
                "entry": "0_a2",
                "catalog_item": 205,
                "reach_profile": 401,
                "created": "-90m",
                "status": "SCHEDULED",
                "schedule_event": 7101,
            },
            {
                "id": 3104,
                "entry": "0_a2",
                "catalog_item": 202,
                "reach_profile": 401,
                "created": "-1h",
                "status": "PROCESSING",
            },
            {
                "id": 3105,
                "entry": "0_a2",
                "catalog_item": 201,
                "reach_profile": 401,
                "created": "-1d",
                "status": "READY",
            },
            {
                "id": 3106,
                "entry": "0_a2",
                "catalog_item": 201,
                "reach_profile": 401,
                "created": "-1d",
                "status": "ERROR",
                "err_description": "no speech",
            },
            {
                "id": 3107,
                "entry": "0_a2",
                "catalog_item": 201,
                "reach_profile": 401,
                "created": "-1d",
                "status": "ABORTED",
            },
            {
                "id": 3108,
                "entry": "0_a2",
                "catalog_item": 201,
                "reach_profile": 401,
                "created": "-1d",
                "status": "REJECTED",
            },
            {
                "id": 3109,
                "entry": "0_a2",
                "catalog_item": 201,
                "reach_profile": 401,
                "created": "-1d",
                "status": "PENDING_MODERATION",
            },
            {"id": 3110, "entry": "0_a2", "catalog_item": 204, "reach_profile": 401, "created": "-30m"},
            {"id": 3111, "entry": "0_a2", "catalog_item": 209, "reach_profile": 401, "created": "-20m"},
            {
                "id": 3112,
                "entry": "0_a3",
                "catalog_item": 206,
                "reach_profile": 401,
                "created": "-10m",
                "status": "PROCESSING",
                "access_key_expiry_seconds": 3600,
            },
            {
                "id": 3113,
                "entry": "0_a3",
                "catalog_item": 201,
                "reach_profile": 401,
                "created": "-9d",
                "status": "PROCESSING",
                "access_key_expires": "-1m",
            },
            {
                "id": 3114,
                "entry": "0_a3",
                "catalog_item": 205,
                "reach_profile": 401,
                "created": "-1h",
                "status": "SCHEDULED",
                "schedule_event": 7102,
            },
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
    {"partner_id": NO_REACH, "admin_secret": SECRETS[NO_REACH], "reach_enabled": False},
]


def scenario(
    extra_tasks: list[dict[str, Any]] | None = None, batches: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The shared scenario (vendor + two customers), optionally with more tasks for one module."""
    tasks: list[dict[str, Any]] = [
        {"id": 8001, "entry": "0_rfent001", "catalog_item": 601, "reach_profile": 701, "created": "-50m"},
        {
            "id": 8002,
            "entry": "0_rfent003",
            "catalog_item": 602,
            "reach_profile": 701,
            "created": "-40m",
            "notes": "Speaker names: Ann and Bob.",
        },
        {
            "id": 8003,
            "entry": "0_rfent002",
            "catalog_item": 601,
            "reach_profile": 702,
            "created": "-30m",
            "status": "PROCESSING",
        },
        {
            "id": 8004,
            "entry": "0_rfent001",
            "catalog_item": 601,
            "reach_profile": 701,
            "created": "-2d",
            "status": "READY",
            "external_task_id": "ext-8004",
        },
        {
            "id": 8005,
            "entry": "0_rfent001",
            "catalog_item": 602,
            "reach_profile": 701,
            "created": "-1d",
            "status": "ERROR",
            "err_description": "no speech",
        },
        {
            "id": 8006,
            "entry": "0_rfent003",
            "catalog_item": 603,
            "reach_profile": 701,
            "created": "-20m",
            "source_caption": "0_rfsrccap",
        },
        {
            "id": 8007,
            "entry": "0_rfent003",
            "catalog_item": 601,
            "reach_profile": 701,
            "created": "-10m",
            "status": "PROCESSING",
            "access_key_expiry_seconds": 2,
        },
        {
            "id": 8008,
            "entry": "0_rfent001",
            "catalog_item": 601,
            "reach_profile": 701,
            "created": "-5m",
            "status": "SCHEDULED",
        },
    ]
    return {
        "vendor": {
            "partner_id": VENDOR,
            "admin_secret": SECRETS[VENDOR],
            "app_token": {
                "id": APP_TOKEN_ID,
                "token": APP_TOKEN,
                "hash_type": "SHA256",
                "session_type": "ADMIN",
                "session_privileges": "disableentitlement",
                "description": "ReachFlow",
            },
            "app_tokens": [
                {
                    "id": "0_sha1",
                    "token": APP_TOKENS["0_sha1"],
                    "session_type": "ADMIN",
                    "session_privileges": "disableentitlement",
                },
                {"id": "0_off", "token": APP_TOKENS["0_off"], "hash_type": "SHA256", "status": "DISABLED"},
                {"id": "0_expired", "token": APP_TOKENS["0_expired"], "hash_type": "SHA256", "expiry": "-1h"},
                {
                    "id": "0_user",
                    "token": APP_TOKENS["0_user"],
                    "hash_type": "SHA512",
                    "session_type": "USER",
                    "session_user_id": "vendor-bot",
                    "session_duration": 600,
                },
            ],
        },
        "catalog_items": [
            *REACH_ITEMS,
            {
                "id": 601,
                "name": "English machine captions",
                "feature": "CAPTIONS",
                "service_type": "MACHINE",
                "turn_around_time": "TWO_HOURS",
                "source_language": "English",
                "output_format": "SRT",
            },
            {
                "id": 602,
                "name": "English human captions",
                "feature": "CAPTIONS",
                "service_type": "HUMAN",
                "turn_around_time": "FOUR_BUSINESS_DAYS",
                "source_language": "English",
            },
            {
                "id": 603,
                "name": "English to Spanish",
                "feature": "TRANSLATION",
                "service_type": "MACHINE",
                "turn_around_time": "TWENTY_FOUR_HOURS",
                "source_language": "English",
                "target_language": "Spanish",
                "require_source": True,
            },
        ],
        "customers": [
            {
                "partner_id": CUSTOMER,
                "admin_secret": SECRETS[CUSTOMER],
                "ks_version": 2,
                "reach_profiles": [
                    {
                        "id": 701,
                        "name": "Shown",
                        "label_addition_machine": "auto",
                        "label_addition_human": "pro",
                        "dictionaries": {"English": "Kaltura\nREACH"},
                    },
                    {"id": 702, "name": "Moderated", "auto_display_machine_captions": False},
                ],
                "entries": ENTRIES,
                "tasks": tasks + list(extra_tasks or []),
                "task_batches": list(batches or []),
                "schedule_events": [{"id": 7501, "entry": "0_rfent001", "start": "+1h", "end": "+2h"}],
                "response_profiles": [
                    {"id": 11, "name": "ids only", "systemName": "ids_only", "type": 1, "fields": "id"}
                ],
            },
            {
                "partner_id": OTHER_CUSTOMER,
                "admin_secret": SECRETS[OTHER_CUSTOMER],
                "ks_version": 1,
                "user_secret": OTHER_USER_SECRET,
                "reach_profiles": [{"id": 703, "name": "Other"}],
                "entries": [{"id": "0_rfoth001", "speech": [{"text": SPEECH_TWO}], "flavors": ["audio"]}],
                "tasks": [
                    {"id": 8101, "entry": "0_rfoth001", "catalog_item": 601, "reach_profile": 703, "created": "-45m"}
                ],
            },
            *REACH_CUSTOMERS,
        ],
    }


class Kit:
    """Official-client helpers bound to one running sandbox."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.sandbox = sandbox
        self.url = sandbox.base_url

    def client(self, ks: str | bytes | None = None, timeout: float = 10) -> KalturaClient:
        config = KalturaConfiguration(serviceUrl=self.url)
        config.requestTimeout = timeout
        client = KalturaClient(config)
        if ks is not None:
            client.setKs(ks.decode() if isinstance(ks, bytes) else ks)
        return client

    def admin_ks(self, partner_id: int = CUSTOMER, privileges: str = "") -> str:
        return self.client().session.start(
            SECRETS[partner_id], "admin", KalturaSessionType.ADMIN, partner_id, 86400, privileges
        )

    def admin(self, partner_id: int = CUSTOMER) -> KalturaClient:
        return self.client(self.admin_ks(partner_id))

    def vendor_ks(self) -> str:
        client = self.client()
        widget = client.session.startWidgetSession(f"_{VENDOR}", 86400)
        client.setKs(widget.ks)
        token_hash = hashlib.sha256((widget.ks + APP_TOKEN).encode()).hexdigest()
        return client.appToken.startSession(APP_TOKEN_ID, token_hash, "", KalturaSessionType.ADMIN, 86400).ks

    def vendor(self) -> KalturaClient:
        return self.client(self.vendor_ks())

    def access_key(self, task_id: int) -> str:
        """The task's accessKey as the vendor reads it (entryVendorTask.list with the vendor KS)."""
        from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter

        f = KalturaEntryVendorTaskFilter()
        f.idEqual = task_id
        f.statusIn = "1,2,3,4,5,6,7,8,9"
        tasks = self.vendor().reach.entryVendorTask.list(f).objects
        assert len(tasks) == 1, task_id
        return str(tasks[0].accessKey)

    def with_key(self, task_id: int) -> KalturaClient:
        return self.client(self.access_key(task_id))

    def new_task(
        self,
        status: str = "PENDING",
        entry: str = "0_rfent001",
        catalog_item: int = 601,
        reach_profile: int = 701,
        **extra: Any,
    ) -> int:
        """A fresh task, added as Kaltura does when the customer orders (tests mutate it freely)."""
        from kaltura_sandbox.scenario import STATUSES
        from kaltura_sandbox.services.reach import create_task

        spec = {
            "partnerId": CUSTOMER,
            "entryId": entry,
            "catalogItemId": catalog_item,
            "reachProfileId": reach_profile,
            "status": STATUSES[status],
            **extra,
        }
        return int(create_task(self.sandbox.store, spec)["id"])


def named(data: bytes, name: str) -> io.BytesIO:
    """A file object the client sends as a file part (it needs a ``.name``)."""
    handle = io.BytesIO(data)
    handle.name = name
    return handle


@pytest.fixture(scope="session")
def media_cache() -> Path:
    """Where entry media is synthesised: the sandbox's own cache, keyed by content (with the ffprobe
    facts beside each file), so it is made once per machine, not once per test run."""
    DEFAULT_MEDIA_DIR.mkdir(parents=True, exist_ok=True)
    return DEFAULT_MEDIA_DIR


@pytest.fixture(scope="module")
def sandbox(media_cache: Path) -> Iterator[RunningSandbox]:
    """The shared scenario, served for one test module."""
    with running_sandbox(scenario(), media_dir=media_cache) as running:
        yield running


@pytest.fixture(scope="module")
def kit(sandbox: RunningSandbox) -> Kit:
    return Kit(sandbox)

"""Chapter delivery (``tasks/chapters.py::deliver_chapter_list``) against the sandbox, without Prefect.

The bulk call is tried first; what it did not make, or made without the chapter's title, description
and subType (as kaltura/server's thumb cue point parser does), is added one by one or completed. A bulk
that fails part-way, a bulk whose answer is lost, and a delivery repeated after it finished all end
with exactly the wanted chapters, each once, read back by the customer through the official client.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from KalturaClient import KalturaClient, KalturaConfiguration
from KalturaClient.Plugins.Core import KalturaSessionType
from KalturaClient.Plugins.CuePoint import KalturaCuePointFilter, KalturaCuePointType

from reachflow.chapters import Chapter
from tasks.chapters import deliver_chapter_list
from tasks.kaltura import TaskApi
from tests.vendor_kit import module_sandbox, vendor_task_api

APP_TOKEN = "chapters-app-token-0123456789"
CUSTOMER_SECRET = "chapters-customer-secret"
ENTRY = "0_chdeliv1"
SCENARIO = {
    "vendor": {
        "partner_id": 9000,
        "admin_secret": "chapters-vendor-secret",
        "app_token": {"id": "0_chaptok", "token": APP_TOKEN, "hash_type": "SHA256"},
    },
    "catalog_items": [{"id": 110, "feature": "CHAPTERING", "service_type": "MACHINE", "turn_around_time": "SIX_HOURS"}],
    "customers": [
        {
            "partner_id": 2001,
            "admin_secret": CUSTOMER_SECRET,
            "reach_profiles": [{"id": 301}],
            "entries": [{"id": ENTRY, "speech": [{"text": "Hello."}], "pad_to_seconds": 120}],
            "tasks": [
                {"id": 5320 + i, "entry": ENTRY, "catalog_item": 110, "reach_profile": 301, "created": f"-{30 - i}m"}
                for i in range(5)
            ],
        }
    ],
}
CHAPTERS = [
    Chapter(0.0, "Photosynthesis and plants", "How leaves turn light into sugar."),
    Chapter(34.1, "Volcanoes and magma", "Why the ground melts & where the magma goes."),
    Chapter(68.9, "Stock market", "Shares, risk <and> interest rates."),
]
KEYWORDS = [["photosynthesis", "chlorophyll"], ["volcano", "a keyword far longer than thirty characters"], []]


@pytest.fixture(scope="module")
def sandbox(session_dir: Path) -> Iterator[Any]:
    with module_sandbox(SCENARIO, session_dir) as box:
        yield box


def task_api(box: Any, task_id: int) -> TaskApi:
    return vendor_task_api(box, SCENARIO, task_id)


def customer_chapters(box: Any, task_id: int) -> list[Any]:
    """The task's chapters as the customer reads them (admin KS, official client)."""
    client = KalturaClient(KalturaConfiguration(box.base_url))
    client.setKs(client.session.start(CUSTOMER_SECRET, "", KalturaSessionType.ADMIN, 2001))
    f = KalturaCuePointFilter(entryIdEqual=ENTRY, cuePointTypeEqual=KalturaCuePointType.THUMB, orderBy="+startTime")
    f.tagsMultiLikeAnd = f"reachflow-task-{task_id}"
    return list(client.cuePoint.cuePoint.list(f).objects)


def assert_exactly_the_chapters(box: Any, task_id: int) -> list[Any]:
    cues = customer_chapters(box, task_id)
    assert [(c.startTime, c.title, c.description) for c in cues] == [
        (round(c.start * 1000), c.title, c.description) for c in CHAPTERS
    ]
    assert all(c.subType.getValue() == 2 for c in cues)
    assert [c.systemName for c in cues] == [f"reachflow-{task_id}-ch0{i}" for i in (1, 2, 3)]
    assert cues[0].tags.split(",") == [
        f"reachflow-task-{task_id}",
        "reachflow-chapter",
        "photosynthesis",
        "chlorophyll",
    ]
    assert cues[1].tags.split(",") == [f"reachflow-task-{task_id}", "reachflow-chapter", "volcano"]
    return cues


def test_bulk_then_completed_as_kaltura_drops_the_chapter_fields(sandbox: Any) -> None:
    done = deliver_chapter_list(task_api(sandbox, 5320), ENTRY, 5320, CHAPTERS, KEYWORDS)
    cues = assert_exactly_the_chapters(sandbox, 5320)
    assert done.cue_point_ids == [c.id for c in cues]
    assert done.bulk == "made 3 of 3, 3 without their chapter fields"
    assert (done.added_one_by_one, done.completed, done.removed) == (0, 3, 0)
    # delivering again (a retried or restarted run) changes nothing
    again = deliver_chapter_list(task_api(sandbox, 5320), ENTRY, 5320, CHAPTERS, KEYWORDS)
    assert again.cue_point_ids == done.cue_point_ids and again.bulk == "not needed"
    assert_exactly_the_chapters(sandbox, 5320)


def test_a_bulk_that_fails_part_way_is_finished_one_by_one_without_duplicates(sandbox: Any) -> None:
    rule = sandbox.faults.add("kaltura_error", service="cuepoint_cuepoint", action="addFromBulk", after_items=1)
    try:
        done = deliver_chapter_list(task_api(sandbox, 5321), ENTRY, 5321, CHAPTERS, KEYWORDS)
        assert rule.fired == 1
        assert done.bulk.startswith("failed: ") and "made 1 of 3 before failing" in done.bulk
        assert (done.added_one_by_one, done.completed) == (2, 1)
        assert_exactly_the_chapters(sandbox, 5321)
        # the bulk fails again on a retry: nothing is missing, so nothing is sent and nothing doubled
        deliver_chapter_list(task_api(sandbox, 5321), ENTRY, 5321, CHAPTERS, KEYWORDS)
        assert rule.fired == 1
        assert_exactly_the_chapters(sandbox, 5321)
    finally:
        sandbox.faults.clear()


def test_a_bulk_whose_answer_is_lost_is_read_back_not_repeated(sandbox: Any) -> None:
    rule = sandbox.faults.add("drop_after", service="cuepoint_cuepoint", action="addFromBulk", first_n=1)
    try:
        done = deliver_chapter_list(task_api(sandbox, 5322), ENTRY, 5322, CHAPTERS, KEYWORDS)
    finally:
        sandbox.faults.clear()
    assert rule.fired == 1 and done.added_one_by_one == 0 and done.completed == 3
    assert_exactly_the_chapters(sandbox, 5322)


def test_without_bulk_each_chapter_is_added_once_and_ready(sandbox: Any) -> None:
    rule = sandbox.faults.add("drop_after", service="cuepoint_cuepoint", action="add", first_n=1)
    try:
        done = deliver_chapter_list(task_api(sandbox, 5323), ENTRY, 5323, CHAPTERS, KEYWORDS, bulk=False)
    finally:
        sandbox.faults.clear()
    assert rule.fired == 1  # the first add's answer was lost: found by its system name, not added twice
    assert done.bulk == "not needed" and done.added_one_by_one == 3
    cues = assert_exactly_the_chapters(sandbox, 5323)
    assert all(c.status.getValue() == 1 for c in cues)  # READY (bulk-made ones stay PENDING, as in Kaltura)


def test_a_changed_chapter_list_replaces_the_old_one(sandbox: Any) -> None:
    deliver_chapter_list(task_api(sandbox, 5324), ENTRY, 5324, [*CHAPTERS, Chapter(100.0, "Extra", "")], KEYWORDS)
    assert len(customer_chapters(sandbox, 5324)) == 4
    done = deliver_chapter_list(task_api(sandbox, 5324), ENTRY, 5324, CHAPTERS, KEYWORDS)
    assert done.removed == 1
    assert_exactly_the_chapters(sandbox, 5324)

"""Deliver-once (``tasks/delivery.py``) against the sandbox, without Prefect: an asset is added once
per task and role, an asset an interrupted attempt added but never filled is filled, not added
again, and a second task on the same entry gets its own asset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reachflow.enums import AttachmentType
from tasks.delivery import AssetKind, deliver_once, find_made, task_tag
from tasks.kaltura import TaskApi
from tests.vendor_kit import module_sandbox, vendor_task_api

APP_TOKEN = "delivery-app-token-0123456789"
ENTRY = "0_deliv001"
SCENARIO = {
    "vendor": {
        "partner_id": 9000,
        "admin_secret": "delivery-vendor-secret",
        "app_token": {"id": "0_delivtk", "token": APP_TOKEN, "hash_type": "SHA256"},
    },
    "catalog_items": [{"id": 101, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS"}],
    "customers": [
        {
            "partner_id": 2001,
            "admin_secret": "delivery-customer-secret",
            "reach_profiles": [{"id": 301}],
            "entries": [{"id": ENTRY, "speech": [{"text": "Hello."}]}],
            "tasks": [
                {"id": 9200 + i, "entry": ENTRY, "catalog_item": 101, "reach_profile": 301, "created": f"-{30 - i}m"}
                for i in range(4)
            ],
        }
    ],
}
SRT = b"1\n00:00:00,000 --> 00:00:01,000\nHello.\n"


@pytest.fixture(scope="module")
def sandbox(session_dir: Path) -> Iterator[Any]:
    with module_sandbox(SCENARIO, session_dir) as box:
        yield box


def task_api(box: Any, task_id: int) -> TaskApi:
    return vendor_task_api(box, SCENARIO, task_id)


def caption_adder(api: TaskApi, calls: list[str]) -> Any:
    def add(tags: str) -> Any:
        calls.append(tags)
        return api.add_caption_asset(
            ENTRY,
            language="English",
            label="English",
            format="1",
            accuracy=90,
            is_default=False,
            display_on_player=True,
            tags=tags,
            file_ext="srt",
        )

    return add


def rows(box: Any, table: str, task_id: int) -> list[dict[str, Any]]:
    return [r for r in box.store.rows(table) if task_tag(task_id) in (r.get("tags") or "").split(",")]


def test_a_caption_is_added_and_filled_once_however_often_delivery_runs(sandbox: Any) -> None:
    api = task_api(sandbox, 9200)
    adds: list[str] = []
    fills: list[str] = []

    def fill(asset: Any) -> None:
        fills.append(asset.id)
        api.set_caption_file(asset.id, SRT, "c.srt")

    first = deliver_once(
        api,
        AssetKind.CAPTION,
        entry_id=ENTRY,
        task_id=9200,
        role="reachflow-caption",
        add=caption_adder(api, adds),
        fill=fill,
    )
    again = deliver_once(
        api,
        AssetKind.CAPTION,
        entry_id=ENTRY,
        task_id=9200,
        role="reachflow-caption",
        add=caption_adder(api, adds),
        fill=fill,
    )
    assert first.id == again.id
    assert adds == ["reachflow-task-9200,reachflow-caption"]  # the tags carry the task and the role
    assert fills == [first.id]  # a READY asset is not filled again
    assert len(rows(sandbox, "caption_assets", 9200)) == 1
    assert api.get_caption_content(first.id).encode() == SRT


def test_an_asset_added_but_never_filled_is_filled_not_added_again(sandbox: Any) -> None:
    api = task_api(sandbox, 9201)
    adds: list[str] = []

    def crash(asset: Any) -> None:
        raise RuntimeError("the worker died before setContent")

    with pytest.raises(RuntimeError):
        deliver_once(
            api,
            AssetKind.CAPTION,
            entry_id=ENTRY,
            task_id=9201,
            role="reachflow-caption",
            add=caption_adder(api, adds),
            fill=crash,
        )
    asset = deliver_once(
        api,
        AssetKind.CAPTION,
        entry_id=ENTRY,
        task_id=9201,
        role="reachflow-caption",
        add=caption_adder(api, adds),
        fill=lambda a: api.set_caption_file(a.id, SRT, "c.srt"),
    )
    assert len(adds) == 1
    assert len(rows(sandbox, "caption_assets", 9201)) == 1
    assert api.get_caption_content(asset.id).encode() == SRT


def test_roles_and_tasks_keep_their_own_assets(sandbox: Any) -> None:
    ours, theirs = task_api(sandbox, 9202), task_api(sandbox, 9203)
    for api, task_id in ((ours, 9202), (theirs, 9203)):
        deliver_once(
            api,
            AssetKind.CAPTION,
            entry_id=ENTRY,
            task_id=task_id,
            role="reachflow-caption",
            add=caption_adder(api, []),
            fill=lambda a, api=api: api.set_caption_file(a.id, SRT, "c.srt"),
        )

    def add_transcript(tags: str) -> Any:
        return ours.add_transcript_asset(
            ENTRY,
            format=AttachmentType.TEXT,
            file_ext="txt",
            language="English",
            accuracy_0_1=0.9,
            human_verified=False,
            tags=tags,
            title="English transcript (TXT)",
            filename="t.txt",
        )

    transcript = deliver_once(
        ours,
        AssetKind.ATTACHMENT,
        entry_id=ENTRY,
        task_id=9202,
        role="reachflow-transcript-txt",
        add=add_transcript,
        fill=lambda a: ours.set_attachment_file(a.id, b"Hello.", "t.txt"),
    )
    assert len(rows(sandbox, "caption_assets", 9202)) == 1
    assert len(rows(sandbox, "caption_assets", 9203)) == 1
    assert len(rows(sandbox, "attachment_assets", 9202)) == 1
    found = find_made(ours, AssetKind.ATTACHMENT, entry_id=ENTRY, task_id=9202, role="reachflow-transcript-txt")
    assert found is not None and found.id == transcript.id
    # The other task's caption is not ours, and our caption role is not the transcript's.
    assert find_made(ours, AssetKind.ATTACHMENT, entry_id=ENTRY, task_id=9203, role="reachflow-transcript-txt") is None
    assert find_made(ours, AssetKind.CAPTION, entry_id=ENTRY, task_id=9202, role="reachflow-transcript-txt") is None

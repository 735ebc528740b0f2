"""Human captions: the run suspends with a work package, a person answers, the run delivers.

These runs go through a real Prefect runner (``served_flows``): a suspended run's process exits
and a resumed run starts again from the top in a new process, as it does on a production worker.
The person answers with the ``reachflow review`` CLI here; tests/browser drives the Prefect UI form.
Every outcome is checked through the Kaltura API (customer's admin KS) and the Prefect API.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect import flow
from typer.testing import CliRunner

from flows.reconcile import reconcile
from kaltura_sandbox.faults import FaultPlan
from reachflow.app.cli import app
from tests.flows.conftest import VENDOR, customer_client, vendor_sandbox, vendor_task
from tests.runner import completed, start_run, suspended, wait_for_run

SPEECH = "Welcome to the seminar. Today we talk about captions for every lecture video."
NOTES = "Speaker names: Dr. Rivera and Prof. Chen."
CORRECTED = """1
00:00:00,400 --> 00:00:02,600
Welcome to the seminar,
corrected by Dr. Rivera.

2
00:00:02,800 --> 00:00:05,500
Today we talk about captions
for every lecture video.
"""
# Two problems: a line over the profile's 32 characters and a cue past the end of the media.
INVALID = """1
00:00:00,400 --> 00:00:02,600
This line is far too long for the profile of this customer

2
00:09:00,000 --> 00:09:02,000
Nobody speaks ten minutes in.
"""


def scenario() -> dict[str, Any]:
    return {
        "vendor": VENDOR,
        "catalog_items": [
            {
                "id": 104,
                "feature": "CAPTIONS",
                "service_type": "HUMAN",
                "turn_around_time": "FOUR_BUSINESS_DAYS",
                "source_language": "English",
            },
            {
                "id": 105,
                "feature": "CAPTIONS",
                "service_type": "HUMAN",
                "turn_around_time": "TWO_HOURS",
                "source_language": "English",
                "output_format": "DFXP",
            },
        ],
        "customers": [
            {
                "partner_id": 2001,
                "admin_secret": "customer-secret",
                "reach_profiles": [
                    {
                        "id": 301,
                        "default_output_format": "SRT",
                        "max_characters_per_caption_line": 32,
                        "enable_metadata_extraction": True,
                        "dictionaries": {"English": "Rivera\nseminar"},
                    },
                ],
                "entries": [
                    {"id": "0_seminar1", "name": "Research seminar", "tags": "seminar", "speech": [{"text": SPEECH}]},
                    {"id": "0_seminar2", "name": "Second seminar", "speech": [{"text": SPEECH}]},
                ],
                "tasks": [
                    {
                        "id": 8001,
                        "entry": "0_seminar1",
                        "catalog_item": 104,
                        "reach_profile": 301,
                        "created": "-10m",
                        "notes": NOTES,
                    },
                    {"id": 8002, "entry": "0_seminar2", "catalog_item": 105, "reach_profile": 301, "created": "-10m"},
                    {"id": 8003, "entry": "0_seminar2", "catalog_item": 104, "reach_profile": 301, "created": "-10m"},
                ],
            }
        ],
    }


@flow(name="reconcile-as-of")
async def reconcile_as_of(account_block: str, as_of: datetime) -> dict[str, Any]:
    """One reconcile pass with deadlines judged at ``as_of`` (the deployed flow has no such knob)."""
    return await reconcile(account_block=account_block, as_of=as_of)


def events_of(name: str, task_id: int, timeout: float = 20) -> list[Any]:
    """Events ``name`` about one REACH task, read back from the Prefect API (they arrive async)."""
    import time

    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter

    event_filter = EventFilter(
        event=EventNameFilter(name=[name]), resource=EventResourceFilter(id=[f"reachflow.reach-task.{task_id}"])
    )

    async def read() -> list[Any]:
        async with get_client() as client:
            return list((await client.read_events(filter=event_filter, limit=50)).events)

    deadline = time.monotonic() + timeout
    while True:
        found = asyncio.run(read())
        if found or time.monotonic() > deadline:
            return found
        time.sleep(1)


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def task_runs(run_id: Any) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read() -> list[Any]:
        async with get_client() as client:
            return await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))

    return asyncio.run(read())


def captions_of(client: Any, entry_id: str) -> list[Any]:
    from KalturaClient.Plugins.Caption import KalturaCaptionAssetFilter

    return client.caption.captionAsset.list(KalturaCaptionAssetFilter(entryIdEqual=entry_id)).objects


def attachments_of(client: Any, entry_id: str) -> list[Any]:
    from KalturaClient.Plugins.Attachment import KalturaAttachmentAssetFilter

    return client.attachment.attachmentAsset.list(KalturaAttachmentAssetFilter(entryIdEqual=entry_id)).objects


def test_a_person_corrects_the_draft_with_the_cli(
    media_cache: Path, served_flows: dict[str, Any], tmp_path: Path
) -> None:
    with vendor_sandbox(scenario(), media_cache) as (box, block):
        run = start_run(served_flows["captions"], 8001, 2001, block)
        wait_for_run(run.id, suspended("review-1"), what="the first question")
        assert vendor_task(box, 8001).status.getValue() == 3  # PROCESSING while the person works

        listing = cli("review", "list")
        assert "captions-2001-8001" in listing and "8001" in listing
        shown = cli("review", "show", "captions-2001-8001")
        # The work package: entry name, notes, dictionary, rules, deadline fields, the draft.
        for expected in (
            "Research seminar",
            NOTES,
            "- Rivera",
            "| max characters per line | 32 |",
            "turnAroundTime FOUR_BUSINESS_DAYS",
            "expectedFinishTime",
            "## Machine draft (SRT",
            "-->",
            "captions (string",
        ):
            assert expected in shown, expected
        assert "seminar" in shown.split("## Machine draft", 1)[1].lower()  # the draft has the recognised words
        draft = cli("review", "show", "captions-2001-8001", "--draft")
        assert draft.startswith("1\n00:00:") and draft.strip() in shown  # the text to correct, alone
        access_key = box.store.get("tasks", 8001)["accessKey"]
        for secret in (access_key, VENDOR["app_token"]["token"], VENDOR["admin_secret"], "customer-secret"):
            assert secret not in shown  # no secret in the work package or the form

        bad = tmp_path / "bad.srt"
        bad.write_text(INVALID)
        cli("review", "submit", "captions-2001-8001", "--file", str(bad), "--accuracy", "90")
        wait_for_run(run.id, suspended("review-2"), what="the question after an invalid submission")
        shown = cli("review", "show", "captions-2001-8001")
        assert "submission 2" in shown
        assert "the limit is 32" in shown and "cue 2 (540.0–542.0 s) is outside the media" in shown
        assert "This line is far too long" in shown  # the person's text is kept in the form
        assert cli("review", "show", "captions-2001-8001", "--draft") == INVALID
        assert vendor_task(box, 8001).status.getValue() == 3

        good = tmp_path / "corrected.srt"
        good.write_text(CORRECTED)
        cli(
            "review", "submit", "captions-2001-8001", "--file", str(good), "--accuracy", "97", "--note", "names checked"
        )
        wait_for_run(run.id, completed, what="delivery after the valid submission")

        task = vendor_task(box, 8001)
        assert task.status.getValue() == 2 and task.accuracy == 97
        client = customer_client(box, 2001)
        [caption] = captions_of(client, "0_seminar1")
        assert task.outputObjectId == caption.id and caption.accuracy == 97
        delivered = httpx.get(client.caption.captionAsset.getUrl(caption.id)).text
        assert "corrected by Dr. Rivera." in delivered and "for every lecture video." in delivered
        transcripts = attachments_of(client, "0_seminar1")
        assert len(transcripts) == 2 and all(a.humanVerified for a in transcripts)
        assert "rivera" in client.baseEntry.get("0_seminar1").tags.split(",")  # keywords from the person's text

        # The resumed runs replayed the draft from its persisted result: recognition ran once.
        runs = task_runs(run.id)
        recognitions = [r for r in runs if r.name.startswith("recognize")]
        drafts = [r for r in runs if r.name.startswith("machine-draft")]
        assert len(recognitions) == 1 and recognitions[0].state.name == "Completed"
        assert [d.state.name for d in drafts].count("Completed") == 1
        assert [d.state.name for d in drafts].count("Cached") == 2  # two resumptions


def test_dfxp_order_and_an_answer_survives_a_failed_delivery(
    media_cache: Path, served_flows: dict[str, Any], tmp_path: Path
) -> None:
    plan = FaultPlan()
    with vendor_sandbox(scenario(), media_cache, faults=plan) as (box, block):
        run = start_run(served_flows["captions"], 8002, 2001, block)
        wait_for_run(run.id, suspended("review-1"), what="the question")
        shown = cli("review", "show", "captions-2001-8002")
        assert "delivered format | DFXP" in shown and "## Machine draft (SRT" in shown  # people edit SRT

        # Kaltura refuses every upload for longer than the delivery's retries last: the run fails
        # after the person's answer was accepted.
        plan.add("http_error", service="uploadtoken", action="add", first_n=1000)
        good = tmp_path / "corrected.srt"
        good.write_text(CORRECTED)
        cli("review", "submit", "captions-2001-8002", "--file", str(good), "--accuracy", "98")
        failed = wait_for_run(run.id, lambda r: r.state is not None and r.state.is_final(), what="the failure")
        assert failed.state.is_failed()
        assert vendor_task(box, 8002).status.getValue() == 3  # still PROCESSING, nothing lost
        plan.rules.clear()  # Kaltura recovers

        # The restarted run (what reconcile starts) delivers the kept answer without asking again.
        again = start_run(served_flows["captions"], 8002, 2001, block)
        finished = wait_for_run(again.id, lambda r: r.state is not None and r.state.is_final(), what="redelivery")
        assert finished.state.is_completed()
        assert not finished.empirical_policy.pause_keys  # it never waited for a person
        task = vendor_task(box, 8002)
        assert task.status.getValue() == 2 and task.accuracy == 98
        client = customer_client(box, 2001)
        [caption] = captions_of(client, "0_seminar2")
        assert caption.format.getValue() == "2"  # DFXP, as the catalog item ordered
        delivered = httpx.get(client.caption.captionAsset.getUrl(caption.id)).text
        assert "<tt" in delivered and "corrected by Dr. Rivera." in delivered
        assert len(attachments_of(client, "0_seminar2")) == 2  # retries completed, never duplicated


@pytest.mark.parametrize("policy", ["wait", "error"])
def test_deadline_policy_for_a_job_waiting_for_a_person(
    media_cache: Path, served_flows: dict[str, Any], policy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.orchestration import get_client

    from reachflow.deadlines import Deadline

    monkeypatch.setenv("REACHFLOW_HUMAN_DEADLINE_POLICY", policy)
    with vendor_sandbox(scenario(), media_cache) as (box, block):
        run = start_run(served_flows["captions"], 8003, 2001, block)
        wait_for_run(run.id, suspended("review-1"), what="the question")
        task = vendor_task(box, 8003)
        from reachflow.models import EntryVendorTask

        typed = EntryVendorTask.from_kaltura(task)
        deadline = Deadline.for_job(typed.created_at, typed.turn_around_time, typed.expected_finish_time)

        early = asyncio.run(reconcile_as_of(account_block=block, as_of=deadline.started + timedelta(seconds=1)))
        assert early["waiting"] == [8003] and early["restarted"] == []
        at_risk = asyncio.run(
            reconcile_as_of(account_block=block, as_of=deadline.started + (deadline.due - deadline.started) * 0.9)
        )
        assert at_risk["at_risk"] == [8003]

        async def tags() -> set[str]:
            async with get_client() as client:
                return set((await client.read_flow_run(run.id)).tags)

        assert "at-risk" in asyncio.run(tags())
        assert events_of("reachflow.job.at-risk", 8003)  # what an automation would alert on
        late = asyncio.run(reconcile_as_of(account_block=block, as_of=deadline.due + timedelta(hours=1)))
        task = vendor_task(box, 8003)
        if policy == "wait":
            assert late["overdue"] == [8003]
            assert task.status.getValue() == 3  # still PROCESSING: a person may still deliver
            assert "overdue" in asyncio.run(tags())
            [overdue] = events_of("reachflow.job.overdue", 8003)
            assert overdue.payload["flow_run_name"] == "captions-2001-8003"
            assert wait_for_run(run.id, suspended("review-1"), timeout=5)  # still waiting
            # An operator ends the task another way: nobody should work on it any more.
            from blocks.kaltura import KalturaVendorAccount
            from reachflow.enums import EntryVendorTaskStatus
            from tasks.kaltura import VendorApi

            VendorApi(KalturaVendorAccount.load(block, _sync=True)).update_job(
                8003, status=EntryVendorTaskStatus.ERROR, err_description="stopped by operations"
            )
            swept = asyncio.run(reconcile_as_of(account_block=block, as_of=deadline.due + timedelta(hours=2)))
            assert swept["orphans_cancelled"] == [8003]
            assert wait_for_run(run.id, lambda r: r.state is not None and r.state.is_cancelled(), timeout=30)
        else:
            assert late["overdue_error"] == [8003]
            assert task.status.getValue() == 6
            assert task.errDescription.startswith("No human result arrived before the deadline (")
            assert wait_for_run(run.id, lambda r: r.state is not None and r.state.is_cancelled(), timeout=30)

"""Tasks whose runs died, and tasks whose accessKey expired while they waited: discovery takes
them (sandbox + a real Prefect server), judged through the Kaltura API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.states import Crashed, Pending

from flows.captions import captions_flow
from flows.discovery import discovery_flow
from reachflow.settings import get_settings
from tests.flows.conftest import VENDOR, vendor_sandbox, vendor_task

# Runs must stay as discovery/reconcile left them: no runner may pick them up.
pytestmark = pytest.mark.usefixtures("no_served_flows")


def scenario() -> dict[str, Any]:
    return {
        "vendor": VENDOR,
        "catalog_items": [
            {"id": 101, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS"}
        ],
        "customers": [
            {
                "partner_id": 2001,
                "admin_secret": "customer-secret",
                "reach_profiles": [{"id": 301}],
                "entries": [
                    {"id": "0_short001", "speech": [{"text": "Hello and welcome to the course."}], "flavors": ["audio"]}
                ],
                "tasks": [
                    {"id": 8101, "entry": "0_short001", "catalog_item": 101, "reach_profile": 301, "created": "-20m"},
                    # A backlog older than its key: the accessKey expired a minute ago, still PENDING.
                    {
                        "id": 8102,
                        "entry": "0_short001",
                        "catalog_item": 101,
                        "reach_profile": 301,
                        "created": "-3h",
                        "turn_around_time": "BEST_EFFORT",
                        "access_key_expires": "-1m",
                    },
                ],
            }
        ],
    }


@pytest.fixture()
def quick_restarts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REACHFLOW_RESTART_GRACE_SECONDS", "0")
    monkeypatch.setenv("REACHFLOW_MAX_RESTARTS", "2")
    get_settings.cache_clear()
    captions_flow.to_deployment(name="captions").apply()


async def runs_of(task_id: int) -> list[Any]:
    async with get_client() as client:
        return await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"reach-task:{task_id}"])), limit=200
        )


async def crash_all(task_id: int) -> None:
    async with get_client() as client:
        for run in await runs_of(task_id):
            await client.set_flow_run_state(run.id, Crashed(message="flow-run process killed (SIGKILL)"), force=True)


def test_a_run_that_died_before_processing_is_started_again(media_cache: Path, quick_restarts: None) -> None:
    with vendor_sandbox(scenario(), media_cache) as (sandbox, block):
        first = asyncio.run(discovery_flow(max_in_flight=50, account_block=block))
        assert first["started"] == 2
        [run] = asyncio.run(runs_of(8101))
        # The process running it was killed before it set PROCESSING: Kaltura still says PENDING.
        asyncio.run(crash_all(8101))
        assert vendor_task(sandbox, 8101).status.getValue() == 1
        second = asyncio.run(discovery_flow(max_in_flight=50, account_block=block))
        assert second["started"] == 1  # 8101 again; 8102's run is alive
        assert second["already_running"] == 1
        runs = asyncio.run(runs_of(8101))
        restarted = [r for r in runs if r.id != run.id]
        assert len(restarted) == 1 and "restart" in restarted[0].tags
        assert restarted[0].idempotency_key.endswith("-restart-1")
        # While the new run lives, it is "already running".
        third = asyncio.run(discovery_flow(max_in_flight=50, account_block=block))
        assert third["started"] == 0 and third["already_running"] == 2
        # A task whose runs die every time ends in ERROR with the reason, after max_restarts.
        asyncio.run(crash_all(8101))
        asyncio.run(discovery_flow(max_in_flight=50, account_block=block))  # attempt 3 (restart 2)
        asyncio.run(crash_all(8101))
        last = asyncio.run(discovery_flow(max_in_flight=50, account_block=block))
        assert last["given_up"] == 1
        task = vendor_task(sandbox, 8101)
        assert task.status.getValue() == 6
        assert task.errDescription == "Processing stopped after 3 attempts: flow-run process killed (SIGKILL)"


def test_a_run_left_pending_by_a_dead_worker_is_crashed_and_started_again(
    media_cache: Path, quick_restarts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with vendor_sandbox(scenario(), media_cache) as (sandbox, block):
        asyncio.run(discovery_flow(max_in_flight=50, account_block=block))
        [run] = asyncio.run(runs_of(8101))

        async def taken_by_a_worker_that_died() -> None:
            async with get_client() as client:
                await client.set_flow_run_state(run.id, Pending(), force=True)

        asyncio.run(taken_by_a_worker_that_died())
        # Within stuck_pending_seconds the Pending run is alive: nothing is started twice.
        report = asyncio.run(discovery_flow(max_in_flight=50, account_block=block))
        assert report["started"] == 0 and report["already_running"] == 2
        monkeypatch.setenv("REACHFLOW_STUCK_PENDING_SECONDS", "0")
        get_settings.cache_clear()
        report = asyncio.run(discovery_flow(max_in_flight=50, account_block=block))
        assert report["started"] == 1
        runs = {r.id: r for r in asyncio.run(runs_of(8101))}
        assert runs[run.id].state_type.value == "CRASHED"
        [restarted] = [r for r in runs.values() if r.id != run.id]
        assert restarted.idempotency_key.endswith("-restart-1")
        assert vendor_task(sandbox, 8101).status.getValue() == 1  # still PENDING: the new run will take it


def test_a_pending_task_whose_access_key_expired_is_taken(media_cache: Path, quick_restarts: None) -> None:
    with vendor_sandbox(scenario(), media_cache) as (sandbox, block):
        old_key = sandbox.store.get("tasks", 8102)["accessKey"]
        report = asyncio.run(discovery_flow(max_in_flight=50, account_block=block))
        assert report["failed_to_read"] == 0 and report["started"] == 2
        # The run sets PROCESSING first, then extends the key (Kaltura's order), then works.
        state = captions_flow(task_id=8102, partner_id=2001, account_block=block, return_state=True)
        assert state.is_completed(), state.message
        task = vendor_task(sandbox, 8102)
        assert task.status.getValue() == 2 and task.outputObjectId
        assert sandbox.store.get("tasks", 8102)["accessKey"] != old_key

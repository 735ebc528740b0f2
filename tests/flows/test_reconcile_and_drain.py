"""Crash recovery (reconcile) and draining, against the sandbox and a real Prefect server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.states import Crashed

from flows.captions import captions_flow
from flows.discovery import discovery_flow
from flows.reconcile import reconcile_flow
from reachflow.app.operations import drain, undrain
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
                "entries": [{"id": "0_crashed1", "speech": [{"text": "Hello."}], "flavors": ["audio"]}],
                "tasks": [
                    # A worker died mid-job: Kaltura still says PROCESSING and no run will finish it.
                    {
                        "id": 8001,
                        "entry": "0_crashed1",
                        "catalog_item": 101,
                        "reach_profile": 301,
                        "status": "PROCESSING",
                        "created": "-30m",
                    },
                    {"id": 8002, "entry": "0_crashed1", "catalog_item": 101, "reach_profile": 301, "created": "-5m"},
                ],
            }
        ],
    }


async def runs_of(task_id: int) -> list[Any]:
    async with get_client() as client:
        return await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"reach-task:{task_id}"])), limit=200
        )


async def crash(run_id: Any) -> None:
    async with get_client() as client:
        await client.set_flow_run_state(run_id, Crashed(message="worker process lost"), force=True)


def test_reconcile_restarts_orphans_then_gives_up(media_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REACHFLOW_MAX_RESTARTS", "2")
    monkeypatch.setenv("REACHFLOW_RESTART_GRACE_SECONDS", "0")
    get_settings.cache_clear()
    captions_flow.to_deployment(name="captions").apply()
    with vendor_sandbox(scenario(), media_cache) as (sandbox, block):
        first = asyncio.run(reconcile_flow(account_block=block))
        assert first["restarted"] == [8001]
        [run] = asyncio.run(runs_of(8001))
        assert "restart" in run.tags and run.name == "captions-2001-8001"
        assert run.parameters == {"task_id": 8001, "partner_id": 2001}
        # While that run is alive (scheduled), reconcile leaves the task alone.
        assert asyncio.run(reconcile_flow(account_block=block))["alive"] == 1
        asyncio.run(crash(run.id))
        assert asyncio.run(reconcile_flow(account_block=block))["restarted"] == [8001]
        for r in asyncio.run(runs_of(8001)):
            asyncio.run(crash(r.id))
        last = asyncio.run(reconcile_flow(account_block=block))
        assert last["given_up"] == [8001]
        task = vendor_task(sandbox, 8001)
        assert task.status.getValue() == 6
        assert task.errDescription == "Processing stopped after 2 attempts: worker process lost"
        # The PENDING task was never touched by reconcile (discovery's job).
        assert vendor_task(sandbox, 8002).status.getValue() == 1


def test_drain_stops_new_discovery_runs_and_undrain_resumes(media_cache: Path) -> None:
    discovery_flow.to_deployment(name="discovery", interval=60).apply()

    async def scenario_steps() -> tuple[bool, int, bool, int]:
        async with get_client() as client:
            deployment = await client.read_deployment_by_name("reach-discovery/discovery")
            await client.create_flow_run_from_deployment(deployment.id)
            removed = await drain()
            paused = (await client.read_deployment(deployment.id)).paused
            left = await client.read_flow_runs(limit=200)
            await undrain()
            resumed = not (await client.read_deployment(deployment.id)).paused
            return paused, removed, resumed, len([r for r in left if r.deployment_id == deployment.id])

    paused, removed, resumed, left = asyncio.run(scenario_steps())
    assert paused and removed >= 1 and left == 0 and resumed

"""Discovery through the sandbox and a real Prefect server: fair, exactly once, unserved → ERROR."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.client.schemas.sorting import FlowRunSort

from flows.captions import captions_flow
from flows.discovery import discovery_flow
from tests.flows.conftest import VENDOR, vendor_sandbox, vendor_task

# Runs must stay as discovery/reconcile left them: no runner may pick them up.
pytestmark = pytest.mark.usefixtures("no_served_flows")


def scenario() -> dict[str, Any]:
    big = [
        {"id": 6000 + i, "entry": "0_bigcust1", "catalog_item": 101, "reach_profile": 301, "created": f"-{120 - i}m"}
        for i in range(6)
    ]
    return {
        "vendor": VENDOR,
        "catalog_items": [
            {"id": 101, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS"},
            {
                "id": 107,
                "feature": "ALIGNMENT",
                "service_type": "MACHINE",
                "turn_around_time": "FORTY_EIGHT_HOURS",
                "target_language": "Spanish",
            },
        ],
        "customers": [
            {
                "partner_id": 2001,
                "admin_secret": "big-secret",
                "reach_profiles": [{"id": 301}],
                "entries": [{"id": "0_bigcust1", "speech": [{"text": "Hello there."}], "flavors": ["audio"]}],
                "tasks": [
                    *big,
                    {"id": 6100, "entry": "0_bigcust1", "catalog_item": 107, "reach_profile": 301, "created": "-50m"},
                ],
            },
            {
                "partner_id": 2002,
                "admin_secret": "small-secret",
                "reach_profiles": [{"id": 302}],
                "entries": [{"id": "0_smallcu1", "speech": [{"text": "Good day."}], "flavors": ["audio"]}],
                "tasks": [
                    {"id": 6200, "entry": "0_smallcu1", "catalog_item": 101, "reach_profile": 302, "created": "-1m"}
                ],
            },
        ],
    }


@pytest.fixture()
def captions_deployment() -> None:
    captions_flow.to_deployment(name="captions").apply()


async def _runs() -> list[Any]:
    """The service runs discovery created (not the discovery runs themselves)."""
    async with get_client() as client:
        return await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["reachflow"])),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=200,
        )


def test_fair_order_names_tags_and_unserved_error(media_cache: Path, captions_deployment: None) -> None:
    with vendor_sandbox(scenario(), media_cache) as (sandbox, block):
        report = asyncio.run(discovery_flow(max_in_flight=50, account_block=block))
        runs = asyncio.run(_runs())
        assert report["started"] == 7 and report["unserved"] == 1
        names = [r.name for r in runs]
        # The lone task of partner 2002 is second, right after partner 2001's oldest task.
        assert names[:3] == ["captions-2001-6000", "captions-2002-6200", "captions-2001-6001"]
        assert sorted(names) == sorted([f"captions-2001-{6000 + i}" for i in range(6)] + ["captions-2002-6200"])
        first = runs[0]
        assert {"reachflow", "partner:2001", "feature:captions", "service-type:machine", "reach-task:6000"} <= set(
            first.tags
        )
        assert first.parameters == {"task_id": 6000, "partner_id": 2001}
        assert any(t.startswith("due:20") for t in first.tags)  # the deadline is visible on the run
        alignment = vendor_task(sandbox, 6100)
        assert alignment.status.getValue() == 6
        assert alignment.errDescription == "ReachFlow does not serve alignment (machine) tasks"


def test_overlapping_discovery_runs_start_each_task_once(media_cache: Path, captions_deployment: None) -> None:
    with vendor_sandbox(scenario(), media_cache) as (_sandbox, block):

        async def twice() -> list[Any]:
            return list(
                await asyncio.gather(
                    discovery_flow(max_in_flight=50, account_block=block),
                    discovery_flow(max_in_flight=50, account_block=block),
                )
            )

        asyncio.run(twice())
        asyncio.run(discovery_flow(max_in_flight=50, account_block=block))  # and once more, later
        runs = asyncio.run(_runs())
        per_task: dict[str, int] = {}
        for run in runs:
            per_task[run.name] = per_task.get(run.name, 0) + 1
        assert len(per_task) == 7
        assert set(per_task.values()) == {1}


def test_backlog_waits_in_kaltura_beyond_max_in_flight(media_cache: Path, captions_deployment: None) -> None:
    with vendor_sandbox(scenario(), media_cache) as (_sandbox, block):
        first = asyncio.run(discovery_flow(max_in_flight=3, account_block=block))
        second = asyncio.run(discovery_flow(max_in_flight=3, account_block=block))
        assert first["started"] == 3 and first["deferred"] == 4
        assert second["started"] == 0 and second["already_running"] == 3
        names = [r.name for r in asyncio.run(_runs())]
        assert names == ["captions-2001-6000", "captions-2002-6200", "captions-2001-6001"]

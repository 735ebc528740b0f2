"""A run waiting for a person that the no-heartbeat automation crashed is put back to waiting.

The engine's heartbeat thread can send one heartbeat just after the run suspended; the automation
(flows/alerts.py) then sees a run that "stopped" heartbeating and sets it Crashed. Found with two
workers on PostgreSQL (tests/scale): reconcile then started a second run of the human job. Reconcile
now restores the suspension, and the person's answer is delivered by it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from prefect.client.orchestration import get_client
from prefect.states import Crashed

from flows.alerts import ZOMBIE_MESSAGE
from flows.reconcile import reconcile_flow
from tests.flows.conftest import vendor_sandbox, vendor_task
from tests.flows.test_human_review import CORRECTED, cli, scenario
from tests.runner import completed, start_run, suspended, wait_for_run


async def crash_as_the_automation_does(run_id: Any) -> None:
    async with get_client() as client:
        result = await client.set_flow_run_state(run_id, Crashed(message=ZOMBIE_MESSAGE))
        assert result.status.value == "ACCEPT"


async def task_runs(task_id: int) -> list[Any]:
    from reachflow.app.reviews import runs_for_task

    async with get_client() as client:
        return await runs_for_task(client, task_id)


def test_a_waiting_run_crashed_for_want_of_heartbeat_waits_again(
    media_cache: Path, served_flows: dict[str, Any], tmp_path: Path
) -> None:
    with vendor_sandbox(scenario(), media_cache) as (box, block):
        run = start_run(served_flows["captions"], 8003, 2001, block)
        wait_for_run(run.id, suspended("review-1"), what="the question")
        asyncio.run(crash_as_the_automation_does(run.id))

        result = asyncio.run(reconcile_flow(account_block=block))
        assert result["restarted"] == [] and result["waiting"] == [8003]
        [only] = asyncio.run(task_runs(8003))  # no second run of the job
        assert only.id == run.id
        wait_for_run(run.id, suspended("review-1"), timeout=5, what="the restored question")

        answer = tmp_path / "corrected.srt"
        answer.write_text(CORRECTED)
        cli("review", "submit", "captions-2001-8003", "--file", str(answer), "--accuracy", "98")
        wait_for_run(run.id, completed, what="delivery after the answer")
        task = vendor_task(box, 8003)
        assert task.status.getValue() == 2 and task.accuracy == 98

"""Reconcile: no task stays PROCESSING without a run that will finish it.

A worker can die mid-job (machine lost, OOM, deploy). The task then stays PROCESSING in Kaltura,
and getJobs will never return it again. Every few minutes this flow lists the vendor's PROCESSING
tasks (``entryVendorTask.list`` with the vendor KS) and, for each one with no live flow run
(scheduled, pending, running, retrying or paused waiting for a person), starts a new run of its
service. Once it has restarted a task ``max_restarts`` times, the task ends in ERROR instead, with the last failure in
its errDescription, so a job that crashes every time cannot loop forever.

A run waiting for a person has no process, and the engine's heartbeat thread can send one last
heartbeat just after the run suspended; the no-heartbeat automation (flows/alerts.py) then sets
that waiting run Crashed a little later. Reconcile puts such a run back to its suspended state
(same form, same pause key), so the person's answer still finds it and the job is not redone.

Runs that wait for a person (suspended, see ``flows/review.py``) are not running, so their deadline
is watched here: at the at-risk point the ``reachflow.job.at-risk`` event is emitted once (the run
is tagged ``at-risk``); once the deadline has passed, the ``human_deadline_policy`` applies —
``wait``: emit ``reachflow.job.overdue`` once (tag ``overdue``) and keep waiting; ``error``: end the
task in ERROR ("no human result arrived before the deadline …") and cancel the waiting run.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.responses import SetStateStatus
from prefect.client.schemas.sorting import FlowRunSort
from prefect.states import Cancelled, Crashed

from flows.alerts import ZOMBIE_MESSAGE
from flows.lifecycle import FINAL_STATUSES, aload_account, emit_job_event
from reachflow.app.reviews import WaitingRun, waiting_run, waiting_runs
from reachflow.deadlines import Deadline
from reachflow.enums import EntryVendorTaskStatus
from reachflow.errors import TaskAlreadyFinal, one_line
from reachflow.recovery import RunRecord, decide
from reachflow.routing import TAG_PREFIX_TASK, idempotency_key, route_for, run_name, run_tags
from reachflow.settings import get_settings
from tasks.kaltura import VendorApi

__all__ = ["crash_stuck_runs", "reconcile", "reconcile_flow", "restore_suspended"]

STUCK_MESSAGE = "Stuck in Pending: the worker that took it was lost"
LIVE_STATES = {StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING, StateType.PAUSED, StateType.CANCELLING}


@flow(name="reach-reconcile")
async def reconcile_flow(account_block: str | None = None) -> dict[str, Any]:
    """Restart PROCESSING tasks whose flow run died; give up (ERROR) after too many restarts;
    apply the deadline policy to jobs waiting for a person.

    Args:
        account_block: KalturaVendorAccount block name (settings default).
    """
    result = await reconcile(account_block=account_block)
    get_run_logger().info("Reconcile: %s", result)
    return result


async def reconcile(account_block: str | None = None, as_of: datetime | None = None) -> dict[str, Any]:
    """One reconcile pass (inside a flow run). ``as_of`` judges deadlines at another moment
    (tests); it acts for real, so the deployed flow does not expose it."""
    logger = get_run_logger()
    settings = get_settings()
    account = await aload_account(account_block)
    vendor = VendorApi(account)
    processing = await asyncio.to_thread(vendor.list_tasks, [EntryVendorTaskStatus.PROCESSING])
    served = settings.served_pairs()
    restarted: list[int] = []
    given_up: list[int] = []
    waiting: dict[str, list[int]] = {"waiting": [], "at_risk": [], "overdue": [], "overdue_error": []}
    alive = 0
    now = as_of or datetime.now(UTC)
    async with get_client() as client:
        for task_ in processing:
            runs: list[FlowRun] = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"{TAG_PREFIX_TASK}{task_.id}"])),
                sort=FlowRunSort.EXPECTED_START_TIME_DESC,
                limit=50,
            )
            person = next((w for w in map(waiting_run, runs) if w is not None), None)
            if person is None and runs and await restore_suspended(client, runs[0]):
                runs[0] = await client.read_flow_run(runs[0].id)
                person = waiting_run(runs[0])
            if person is not None:
                alive += 1
                outcome = await _watch_waiting(client, vendor, task_, person, now)
                waiting[outcome].append(task_.id)
                continue
            records = [_record(run) for run in runs]
            decision = decide(
                records,
                now,
                grace_seconds=settings.restart_grace_seconds,
                max_restarts=settings.max_restarts,
                stuck_pending_seconds=settings.stuck_pending_seconds,
            )
            if decision.action == "running":
                alive += 1
                continue
            if decision.action == "wait":
                continue
            if runs and _pause_expired(runs[0]):
                # Prefect failed the run because nobody answered before its suspension timed out:
                # that is the human deadline, not a crash to restart.
                deadline = Deadline.for_job(task_.created_at, task_.turn_around_time, task_.expected_finish_time)
                description = f"No human result arrived before the deadline ({deadline.due:%Y-%m-%d %H:%M} UTC)"
                with suppress(TaskAlreadyFinal):
                    await asyncio.to_thread(
                        vendor.update_job, task_.id, status=EntryVendorTaskStatus.ERROR, err_description=description
                    )
                waiting["overdue_error"].append(task_.id)
                logger.warning("Task %s: %s -> ERROR", task_.id, description)
                continue
            route = route_for(int(task_.service_feature), int(task_.service_type), served)
            attempts = len(runs)
            if route is None or decision.action == "give_up":
                description = one_line(
                    (decision.reason or f"Processing stopped after {attempts} attempts: no live run")
                    if route
                    else "ReachFlow no longer serves this task type"
                )
                try:
                    await asyncio.to_thread(
                        vendor.update_job, task_.id, status=EntryVendorTaskStatus.ERROR, err_description=description
                    )
                except TaskAlreadyFinal:
                    pass
                given_up.append(task_.id)
                logger.warning("Task %s: %s -> ERROR", task_.id, description)
                continue
            await crash_stuck_runs(client, decision.stuck)
            deployment = await client.read_deployment_by_name(route.deployment)
            await client.create_flow_run_from_deployment(
                deployment.id,
                parameters={"task_id": task_.id, "partner_id": task_.partner_id},
                name=run_name(route, task_.partner_id, task_.id),
                tags=[*run_tags(task_.partner_id, task_.id, task_.service_feature, task_.service_type), "restart"],
                # A PROCESSING task had a first run somewhere: whatever reconcile starts is a restart.
                idempotency_key=idempotency_key(task_.id, task_.queue_time_epoch, attempt=max(1, decision.attempt)),
            )
            restarted.append(task_.id)
            logger.info("Task %s had no live run: restarted (attempt %s)", task_.id, len(runs) + 1)
        orphans = await _cancel_orphans(client, vendor, {t.id for t in processing})
    return {
        "processing": len(processing),
        "alive": alive,
        "restarted": restarted,
        "given_up": given_up,
        "orphans_cancelled": orphans,
        **waiting,
    }


async def _watch_waiting(client: Any, vendor: VendorApi, task_: Any, person: WaitingRun, now: datetime) -> str:
    """Deadline of a job waiting for a person: at-risk event, then the deadline policy."""
    logger = get_run_logger()
    settings = get_settings()
    deadline = Deadline.for_job(task_.created_at, task_.turn_around_time, task_.expected_finish_time)
    due = f"{deadline.due:%Y-%m-%d %H:%M} UTC"
    run = await client.read_flow_run(person.id)
    tags = list(run.tags)
    if deadline.is_past(now):
        if settings.human_deadline_policy == "error":
            description = f"No human result arrived before the deadline ({due})"
            # Cancel first (not forced): if the person has just resumed the run, Prefect refuses,
            # and their answer is delivered instead of being thrown away.
            result = await client.set_flow_run_state(person.id, Cancelled(message=description))
            if result.status != SetStateStatus.ACCEPT:
                logger.info("Task %s: run %s is no longer waiting; its answer goes on", task_.id, person.name)
                return "waiting"
            with suppress(TaskAlreadyFinal):
                await asyncio.to_thread(
                    vendor.update_job, task_.id, status=EntryVendorTaskStatus.ERROR, err_description=description
                )
            logger.warning("Task %s: %s -> ERROR; run %s cancelled", task_.id, description, person.name)
            return "overdue_error"
        if "overdue" not in tags:
            _event("reachflow.job.overdue", task_, person, deadline, now)
            await client.update_flow_run(person.id, tags=[*tags, "overdue"])
        logger.warning(
            "Task %s is past its deadline (%s) and still waits for a person (run %s)", task_.id, due, person.name
        )
        return "overdue"
    if deadline.is_at_risk(settings.at_risk_threshold, now):
        if "at-risk" not in tags:
            _event("reachflow.job.at-risk", task_, person, deadline, now)
            await client.update_flow_run(person.id, tags=[*tags, "at-risk"])
            logger.warning("Task %s waits for a person and is at risk (due %s)", task_.id, due)
        return "at_risk"
    return "waiting"


def _event(name: str, task_: Any, person: WaitingRun, deadline: Deadline, now: datetime) -> None:
    emit_job_event(
        name,
        task_.id,
        task_.partner_id,
        step="waiting for a person",
        used_fraction=round(deadline.used_fraction(now), 3),
        due=deadline.due.isoformat(),
        flow_run_id=str(person.id),
        flow_run_name=person.name,
    )


async def restore_suspended(client: Any, run: FlowRun) -> bool:
    """Put back to waiting a suspended run that the no-heartbeat automation crashed.

    Only a run whose current state is that automation's Crashed and whose state before it was a
    suspension waiting for input (a form keyset) is restored; any other crash is a real one.
    """
    state = run.state
    if state is None or state.type != StateType.CRASHED or state.message != ZOMBIE_MESSAGE:
        return False
    history = sorted(await client.read_flow_run_states(run.id), key=lambda s: s.timestamp)
    before = history[-2] if len(history) >= 2 else None
    if before is None or before.type != StateType.PAUSED or not before.state_details.run_input_keyset:
        return False
    await client.set_flow_run_state(run.id, before.fresh_copy(), force=True)
    get_run_logger().warning(
        "Flow run %s waits for a person and was set Crashed for want of a heartbeat: put back to waiting", run.name
    )
    return True


PAUSE_EXPIRED = "paused and never resumed"


def _pause_expired(run: FlowRun) -> bool:
    """Prefect's pause-expiration service failed this run: its suspension timed out unanswered."""
    state = run.state
    return bool(state is not None and state.type == StateType.FAILED and PAUSE_EXPIRED in (state.message or ""))


async def _cancel_orphans(client: Any, vendor: VendorApi, processing_ids: set[int]) -> list[int]:
    """Cancel runs that wait for a person on a task that is no longer PROCESSING (aborted by the
    customer, ended by an operator): nobody should do that work."""
    cancelled: list[int] = []
    for person in await waiting_runs(client):
        if person.task_id is None or person.task_id in processing_ids:
            continue
        task_ = await asyncio.to_thread(vendor.get_task, person.task_id)
        if task_ is not None and task_.status not in FINAL_STATUSES:
            continue
        status = task_.status.name if task_ is not None else "gone"
        await client.set_flow_run_state(
            person.id, Cancelled(message=f"The REACH task is {status}; no answer is needed")
        )
        cancelled.append(person.task_id)
        get_run_logger().warning(
            "Task %s is %s: cancelled the run %s that waited for a person", person.task_id, status, person.name
        )
    return cancelled


def _record(run: FlowRun) -> RunRecord:
    """The facts reachflow.recovery decides on."""
    message = None
    if run.state is not None and run.state.type in (StateType.FAILED, StateType.CRASHED):
        message = run.state.message or run.state.name
    return RunRecord(
        state=run.state_type.value if run.state_type else "SCHEDULED",
        end_time=run.end_time,
        idempotency_key=run.idempotency_key,
        message=message,
        since=run.state.timestamp if run.state is not None else None,
        run_id=str(run.id),
    )


async def crash_stuck_runs(client: Any, run_ids: tuple[str, ...]) -> None:
    """Mark runs stuck in Pending (their worker died while submitting them) Crashed, so the
    restart is the only run of the task."""
    for run_id in run_ids:
        await client.set_flow_run_state(run_id, Crashed(message=STUCK_MESSAGE), force=True)
        get_run_logger().warning("Flow run %s was stuck in Pending (its worker was lost): Crashed", run_id)

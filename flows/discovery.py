"""Discovery: find the REACH tasks waiting for this vendor and start one service run per task.

One cycle (a scheduled deployment, every 60 s by default)::

    vendor KS ─▶ entryVendorTask.getJobs (every page)
              ─▶ unserved feature / service type ─▶ ERROR with an errDescription naming it
              ─▶ skip tasks that have a live run; a task whose runs all died (crashed, failed
                 before PROCESSING) gets a new run under a new key (reachflow.recovery)
              ─▶ fair order (reachflow.fairness: customers interleaved, oldest first)
              ─▶ take as many as there are free slots (``max_in_flight``)
              ─▶ entryVendorTask.get with ``reach_vendor`` on each task's accessKey (typed job);
                 a key that already expired is fine: Kaltura extends keys of PROCESSING tasks only,
                 so the catalog item is read with the vendor KS and the run, which sets
                 PROCESSING first, extends the key itself
              ─▶ create one flow run per task from the service's deployment

Exactly once: every run is created with the idempotency key ``reach-task-<id>-q<queueTime>``; the
Prefect server returns the existing run for a key it has seen, so overlapping or restarted
discovery runs, or a retried create after a slow answer, never start a task twice. A run that died
before it set the task PROCESSING (its process was killed) leaves the task PENDING: the next cycle
sees that every run of the task is dead and starts it again under ``...-restart-<n>``, at most
``max_restarts`` times, as reconcile does for PROCESSING tasks.

Fair order holds across cycles too: discovery only schedules up to ``max_in_flight`` runs that are
not yet running, so a customer's backlog waits in Kaltura (not in Prefect's queue) and every cycle
re-applies the fair order to everything still waiting, newcomers included. Runs created in one cycle
get scheduled times one millisecond apart in fair order, so workers pick them in that order.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterIdempotencyKey,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.exceptions import PrefectHTTPStatusError
from prefect.states import Scheduled

from flows.lifecycle import aload_account
from flows.reconcile import crash_stuck_runs
from reachflow.enums import EntryVendorTaskStatus
from reachflow.errors import AccessKeyExpired, PermanentError, ReachError, TaskAlreadyFinal
from reachflow.fairness import fair_order
from reachflow.models import EntryVendorTask
from reachflow.recovery import RunRecord, decide
from reachflow.routing import (
    LIVE_CAPTIONS,
    TAG_PREFIX_TASK,
    ServiceRoute,
    feature_label,
    idempotency_key,
    route_for,
    run_name,
    run_tags,
    service_type_label,
)
from reachflow.settings import get_settings
from tasks.kaltura import TaskApi, VendorApi
from tasks.live import release_aborted_live_tasks

__all__ = ["DiscoveryReport", "discover", "discovery_flow"]

WAITING_STATES = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING]
LIVE_STATE_TYPES = {StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING, StateType.PAUSED, StateType.CANCELLING}


@dataclass
class DiscoveryReport:
    """What one discovery cycle saw and did."""

    pending: int = 0
    already_running: int = 0
    given_up: int = 0
    unserved: int = 0
    started: int = 0
    deferred: int = 0
    failed_to_read: int = 0
    failed_to_start: int = 0
    seconds: float = 0.0
    started_task_ids: list[int] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "started_task_ids"}


@flow(name="reach-discovery", log_prints=False)
async def discovery_flow(
    max_in_flight: int = 50,
    account_block: str | None = None,
) -> dict[str, Any]:
    """Poll Kaltura for PENDING REACH tasks and start one service run for each, fairly, once.

    Args:
        max_in_flight: At most this many service runs waiting or running at once (paused runs
            waiting for a person do not count). The rest of the backlog waits for a later cycle.
        account_block: Name of the KalturaVendorAccount block (settings default).
    """
    report = await discover(max_in_flight=max_in_flight, account_block=account_block)
    get_run_logger().info("Discovery: %s", report.as_dict())
    # Live tasks aborted while SCHEDULED: cancel their scheduled run, release their ports and secrets.
    await release_aborted_live_tasks(VendorApi(await aload_account(account_block)))
    return report.as_dict()


async def discover(max_in_flight: int = 50, account_block: str | None = None) -> DiscoveryReport:
    """One discovery cycle (see the module docstring)."""
    logger = get_run_logger()
    settings = get_settings()
    started_at = datetime.now(UTC)
    report = DiscoveryReport(started_task_ids=[])
    account = await aload_account(account_block)
    vendor = VendorApi(account)
    pending: list[EntryVendorTask] = await asyncio.to_thread(vendor.get_pending_jobs)
    report.pending = len(pending)
    served = settings.served_pairs()
    semaphore = asyncio.Semaphore(settings.discovery_concurrency)

    routable: list[tuple[EntryVendorTask, ServiceRoute]] = []
    unserved: list[EntryVendorTask] = []
    for task_ in pending:
        route = route_for(int(task_.service_feature), int(task_.service_type), served)
        if route is None:
            unserved.append(task_)
        else:
            routable.append((task_, route))

    async def reject(task_: EntryVendorTask) -> None:
        description = (
            f"ReachFlow does not serve {feature_label(task_.service_feature)} "
            f"({service_type_label(task_.service_type)}) tasks"
        )
        async with semaphore:
            try:
                await asyncio.to_thread(
                    vendor.update_job, task_.id, status=EntryVendorTaskStatus.ERROR, err_description=description
                )
                logger.info("Task %s: %s -> ERROR", task_.id, description)
            except TaskAlreadyFinal:
                pass

    await asyncio.gather(*(reject(t) for t in unserved))
    report.unserved = len(unserved)

    async with get_client() as client:
        now = datetime.now(UTC)
        keys: dict[int, str] = {}
        restarts: set[int] = set()
        runs_by_task = await _runs_of(client, {t.id: idempotency_key(t.id, t.queue_time_epoch) for t, _ in routable})
        fresh: list[tuple[EntryVendorTask, ServiceRoute]] = []
        for task_, route in routable:
            decision = decide(
                runs_by_task.get(task_.id, []),
                now,
                grace_seconds=settings.restart_grace_seconds,
                max_restarts=settings.max_restarts,
                stuck_pending_seconds=settings.stuck_pending_seconds,
            )
            if decision.action == "start":
                await crash_stuck_runs(client, decision.stuck)
                keys[task_.id] = idempotency_key(task_.id, task_.queue_time_epoch, attempt=decision.attempt)
                if decision.attempt:
                    restarts.add(task_.id)
                    logger.warning(
                        "Task %s is PENDING and every run of it died: starting it again (attempt %s)",
                        task_.id,
                        decision.attempt + 1,
                    )
                fresh.append((task_, route))
            elif decision.action == "give_up":
                report.given_up += 1
                with suppress(TaskAlreadyFinal):
                    await asyncio.to_thread(
                        vendor.update_job, task_.id, status=EntryVendorTaskStatus.ERROR, err_description=decision.reason
                    )
                logger.warning("Task %s: %s -> ERROR", task_.id, decision.reason)
            else:
                report.already_running += 1
        ordered = fair_order(
            fresh,
            partner=lambda tr: tr[0].partner_id,
            created_at=lambda tr: tr[0].created_at,
            task_id=lambda tr: tr[0].id,
            urgent=lambda tr: tr[1] == LIVE_CAPTIONS,
        )
        busy = await client.count_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=WAITING_STATES)),
                tags=FlowRunFilterTags(all_=["reachflow"]),
            )
        )
        slots = max(0, max_in_flight - busy)
        chosen = ordered[:slots]
        report.deferred = len(ordered) - len(chosen)

        async def read(task_: EntryVendorTask) -> bool:
            async with semaphore:
                try:
                    await asyncio.to_thread(readable, vendor, task_)
                    return True
                except ReachError as exc:
                    logger.warning("Task %s: could not read the job: %s", task_.id, exc.message)
                    return False

        jobs = await asyncio.gather(*(read(t) for t, _ in chosen))
        deployments = await _deployment_ids(client, {r for _, r in chosen})
        create_slots = asyncio.Semaphore(4)
        base_time = datetime.now(UTC)

        async def start(index: int, task_: EntryVendorTask, route: ServiceRoute, ok: bool) -> bool:
            if not ok:
                report.failed_to_read += 1
                return False
            deployment_id = deployments.get(route.deployment)
            if deployment_id is None:
                logger.error("Deployment %s is missing: task %s waits", route.deployment, task_.id)
                return False
            for attempt in range(4):
                try:
                    async with create_slots:
                        await client.create_flow_run_from_deployment(
                            deployment_id,
                            parameters={"task_id": task_.id, "partner_id": task_.partner_id},
                            name=run_name(route, task_.partner_id, task_.id),
                            tags=[
                                *run_tags(task_.partner_id, task_.id, task_.service_feature, task_.service_type),
                                f"due:{_due(task_)}",
                                *(["restart"] if task_.id in restarts else []),
                            ],
                            idempotency_key=keys[task_.id],
                            state=Scheduled(scheduled_time=base_time + timedelta(milliseconds=index)),
                        )
                    break
                except (PrefectHTTPStatusError, httpx.HTTPError) as exc:
                    # A busy server (SQLite answers 503 under load): the idempotency key makes a
                    # repeated create safe. A task still without a run is taken next cycle.
                    if attempt == 3:
                        logger.warning("Task %s: could not create its run (%s); next cycle", task_.id, exc)
                        report.failed_to_start += 1
                        return False
                    await asyncio.sleep(0.5 * 2**attempt)
            return True

        results = await asyncio.gather(
            *(start(i, t, r, j) for i, ((t, r), j) in enumerate(zip(chosen, jobs, strict=True)))
        )
        report.started = sum(results)
        report.started_task_ids = [t.id for (t, _), ok in zip(chosen, results, strict=True) if ok]

    report.seconds = (datetime.now(UTC) - started_at).total_seconds()
    if report.started or report.unserved:
        try:
            await _report_artifact(report, [t for (t, _), ok in zip(chosen, results, strict=True) if ok])
        except (PrefectHTTPStatusError, httpx.HTTPError) as exc:  # the report is a courtesy
            logger.warning("Could not publish the discovery report artifact: %s", exc)
    return report


def _due(task_: EntryVendorTask) -> str:
    """The job's deadline as a run tag, so operators see it (and can sort by it) in the UI."""
    from reachflow.deadlines import derive_deadline

    due = derive_deadline(task_.created_at, task_.turn_around_time, task_.expected_finish_time)
    return due.strftime("%Y-%m-%dT%H:%MZ")


def readable(vendor: VendorApi, task_: EntryVendorTask) -> None:
    """Check the job can be taken: read it with the task's accessKey (``reach_vendor``).

    A task's accessKey may have expired while it waited (a backlog older than the key). Kaltura
    extends keys of PROCESSING tasks only (``extendAccessKey`` refuses others with
    CANNOT_EXTEND_ACCESS_KEY), so discovery must not try: it reads the catalog item with the vendor
    KS instead, and the run sets the task PROCESSING first, then extends the key.
    """
    api = TaskApi(vendor.account, task_)  # no extension here: the task is not PROCESSING yet
    try:
        api.get_job()
    except AccessKeyExpired:
        if task_.catalog_item_id is None:
            raise PermanentError("the task names no catalog item") from None
        vendor.get_catalog_item(task_.catalog_item_id)


def _record(run: FlowRun) -> RunRecord:
    state = run.state
    return RunRecord(
        state=run.state_type.value if run.state_type else "SCHEDULED",
        end_time=run.end_time,
        idempotency_key=run.idempotency_key,
        since=state.timestamp if state is not None else None,
        run_id=str(run.id),
        message=state.message if state is not None else None,
    )


async def _runs_of(client: Any, first_keys: dict[int, str]) -> dict[int, list[RunRecord]]:
    """Every run of each task that has one. Runs are found by their first key in batches; a task
    whose first run is dead may have later attempts, which are read by its task tag."""
    by_key: dict[str, FlowRun] = {}
    keys = list(first_keys.values())
    for start in range(0, len(keys), 100):
        batch = keys[start : start + 100]
        runs = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(idempotency_key=FlowRunFilterIdempotencyKey(any_=batch)),
            limit=200,  # the server's maximum page
        )
        by_key.update({run.idempotency_key: run for run in runs if run.idempotency_key})
    found: dict[int, list[RunRecord]] = {}
    for task_id, key in first_keys.items():
        first = by_key.get(key)
        if first is None:
            continue
        if first.state_type in LIVE_STATE_TYPES:
            found[task_id] = [_record(first)]
            continue
        every = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"{TAG_PREFIX_TASK}{task_id}"])), limit=200
        )
        prefix = key
        found[task_id] = [_record(r) for r in every if (r.idempotency_key or "").startswith(prefix)] or [_record(first)]
    return found


async def _deployment_ids(client: Any, routes: set[ServiceRoute]) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    for route in routes:
        try:
            deployment = await client.read_deployment_by_name(route.deployment)
            ids[route.deployment] = deployment.id
        except Exception:  # ObjectNotFound: reported per task by the caller
            continue
    return ids


async def _report_artifact(report: DiscoveryReport, started: list[EntryVendorTask]) -> None:
    rows = [
        {
            "task": t.id,
            "partner": t.partner_id,
            "feature": feature_label(t.service_feature),
            "service type": service_type_label(t.service_type),
            "created": t.created_at.isoformat(),
        }
        for t in started
    ]
    await acreate_table_artifact(
        key="discovery-last-cycle",
        table=rows or [{"task": "-", "partner": "-", "feature": "-", "service type": "-", "created": "-"}],
        description=(
            f"Discovery cycle: {report.pending} pending, {report.started} started in fair order, "
            f"{report.unserved} unserved (set to ERROR), {report.already_running} already had a run, "
            f"{report.deferred} deferred, {report.seconds:.1f} s"
        ),
    )

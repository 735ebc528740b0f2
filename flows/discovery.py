"""Discovery: find the REACH tasks waiting for this vendor and start one service run per task.

One cycle (a scheduled deployment, every 60 s by default)::

    vendor KS ─▶ entryVendorTask.getJobs (every page)
              ─▶ unserved feature / service type ─▶ ERROR with an errDescription naming it
              ─▶ skip tasks that already have a run (idempotency keys)
              ─▶ fair order (reachflow.fairness: customers interleaved, oldest first)
              ─▶ take as many as there are free slots (``max_in_flight``)
              ─▶ entryVendorTask.get with ``reach_vendor`` on each task's accessKey (typed job)
              ─▶ create one flow run per task from the service's deployment

Exactly once: every run is created with the idempotency key ``reach-task-<id>-q<queueTime>``; the
Prefect server returns the existing run for a key it has seen, so overlapping or restarted
discovery runs, or a retried create after a slow answer, never start a task twice.

Fair order holds across cycles too: discovery only schedules up to ``max_in_flight`` runs that are
not yet running, so a customer's backlog waits in Kaltura (not in Prefect's queue) and every cycle
re-applies the fair order to everything still waiting, newcomers included. Runs created in one cycle
get scheduled times one millisecond apart in fair order, so workers pick them in that order.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from prefect import flow, get_run_logger
from prefect.exceptions import PrefectHTTPStatusError
from prefect.artifacts import acreate_table_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterIdempotencyKey,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import StateType
from prefect.states import Scheduled

from flows.lifecycle import aload_account
from reachflow.enums import EntryVendorTaskStatus
from reachflow.errors import ReachError, TaskAlreadyFinal
from reachflow.fairness import fair_order
from reachflow.models import EntryVendorTask, Job
from reachflow.routing import (
    ServiceRoute,
    feature_label,
    idempotency_key,
    route_for,
    run_name,
    run_tags,
    service_type_label,
)
from reachflow.settings import get_settings
from tasks.kaltura import VendorApi

__all__ = ["DiscoveryReport", "discovery_flow", "discover"]

WAITING_STATES = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING]


@dataclass
class DiscoveryReport:
    """What one discovery cycle saw and did."""

    pending: int = 0
    already_running: int = 0
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
        keys = {t.id: idempotency_key(t.id, t.queue_time_epoch) for t, _ in routable}
        existing = await _existing_keys(client, list(keys.values()))
        fresh = [(t, r) for t, r in routable if keys[t.id] not in existing]
        report.already_running = len(routable) - len(fresh)
        ordered = fair_order(
            fresh,
            partner=lambda tr: tr[0].partner_id,
            created_at=lambda tr: tr[0].created_at,
            task_id=lambda tr: tr[0].id,
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

        async def read(task_: EntryVendorTask) -> Job | None:
            async with semaphore:
                try:
                    return await asyncio.to_thread(lambda: vendor.task_api(task_).get_job())
                except ReachError as exc:
                    logger.warning("Task %s: could not read the job: %s", task_.id, exc.message)
                    return None

        jobs = await asyncio.gather(*(read(t) for t, _ in chosen))
        deployments = await _deployment_ids(client, {r for _, r in chosen})
        create_slots = asyncio.Semaphore(4)
        base_time = datetime.now(UTC)

        async def start(index: int, task_: EntryVendorTask, route: ServiceRoute, job: Job | None) -> bool:
            if job is None:
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
                            tags=[*run_tags(task_.partner_id, task_.id, task_.service_feature, task_.service_type),
                                  f"due:{_due(task_)}"],
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


async def _existing_keys(client: Any, keys: list[str]) -> set[str]:
    """The idempotency keys among ``keys`` that already have a flow run."""
    found: set[str] = set()
    for start in range(0, len(keys), 100):
        batch = keys[start : start + 100]
        runs = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(idempotency_key=FlowRunFilterIdempotencyKey(any_=batch)),
            limit=200,  # the server's maximum page
        )
        found.update(run.idempotency_key for run in runs if run.idempotency_key)
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

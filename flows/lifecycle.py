"""The life of a REACH job, shared by every service flow.

::

    begin ──▶ PROCESSING ──▶ service steps (checkpoint between each) ──▶ deliver ──▶ READY
      │                                  │
      └── already final: nothing to do   └── PermanentError ──▶ ERROR + errDescription

* :func:`begin` reads the task with the vendor KS, then the job (task + catalog item + REACH
  profile) with the task's accessKey, and moves PENDING to PROCESSING before any work.
* :func:`checkpoint` runs between steps: it checks the deadline explicitly (Prefect timeouts do not
  stop blocking code), emits the ``reachflow.job.at-risk`` event once the job has used its at-risk
  share of the window, and extends the accessKey before it can expire.
* :func:`run_job` wraps a service's steps: every exception is classified by the error tree; a
  :class:`~reachflow.errors.PermanentError` ends the task in ERROR with its one-line description
  (a :class:`~reachflow.errors.JobRejected` one, the customer's media, ends the run "Rejected",
  not Failed); anything else leaves the task PROCESSING and fails the run with the reason, for
  reconcile to restart, so a crash never strands a task.
* :func:`finish` sets READY with outputObjectId and accuracy, after every output is uploaded (READY
  kills the accessKey).
* :func:`run_service` is a service flow's whole body: :func:`run_job` around the service's MACHINE
  or HUMAN steps (:func:`by_service_type`), returning what the flow run returns.

The job a service works on (:class:`~tasks.job.ActiveJob`, :class:`~tasks.job.JobResult`) lives in
``tasks/job.py`` so the shared tasks can take it; it is re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State

from blocks.kaltura import KalturaVendorAccount
from reachflow.deadlines import Deadline
from reachflow.enums import EntryVendorTaskStatus, VendorServiceType
from reachflow.errors import (
    JobRejected,
    PermanentError,
    TaskAlreadyFinal,
    UnsupportedJob,
    classify_unexpected,
    one_line,
)
from reachflow.markdown import md_inline
from reachflow.models import EntryVendorTask, Job
from reachflow.settings import get_settings
from tasks.job import KALTURA_RETRIES, ActiveJob, JobResult, artifact_key
from tasks.kaltura import VendorApi

__all__ = [
    "KALTURA_RETRIES",
    "ActiveJob",
    "JobResult",
    "Steps",
    "artifact_key",
    "begin",
    "checkpoint",
    "emit_job_event",
    "finish",
    "load_account",
    "run_job",
    "run_service",
]

REJECTED = "Rejected"  # the completed state of a run whose job correctly ended in ERROR (customer's media)
# A service's steps for one job: the job result once delivered, or a Prefect state (e.g. waiting).
Steps = Callable[[ActiveJob], JobResult | State]

FINAL_STATUSES = {
    EntryVendorTaskStatus.READY,
    EntryVendorTaskStatus.ERROR,
    EntryVendorTaskStatus.ABORTED,
    EntryVendorTaskStatus.REJECTED,
}
STARTABLE_STATUSES = {
    EntryVendorTaskStatus.PENDING,
    EntryVendorTaskStatus.PENDING_ENTRY_READY,
    EntryVendorTaskStatus.PENDING_MODERATION,
    EntryVendorTaskStatus.SCHEDULED,
}
# Kaltura mints an accessKey valid for max(2 x turnaround, 7 days): 7 days is the shortest life a
# key can have, so a job that has held its key for almost that long extends it first.
SHORTEST_ACCESS_KEY_LIFE = timedelta(days=7)


def load_account(block_name: str | None = None) -> KalturaVendorAccount:
    """The vendor's Kaltura account block (``REACHFLOW_ACCOUNT_BLOCK``, default ``reachflow-vendor``)."""
    return KalturaVendorAccount.load(block_name or get_settings().account_block, _sync=True)  # type: ignore[call-arg,return-value]


async def aload_account(block_name: str | None = None) -> KalturaVendorAccount:
    """:func:`load_account` for async flows."""
    return await KalturaVendorAccount.aload(block_name or get_settings().account_block)


@task(name="read-task", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def read_task(account: KalturaVendorAccount, task_id: int) -> EntryVendorTask | None:
    """The task as the vendor sees it (vendor KS), or None when Kaltura no longer lists it."""
    return VendorApi(account).get_task(task_id)


@task(name="read-job", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def read_job(account: KalturaVendorAccount, task_: EntryVendorTask) -> Job:
    """Task + catalog item + REACH profile, read with the task's accessKey (``reach_vendor``)."""
    return VendorApi(account).task_api(task_).get_job()


@task(name="set-processing", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def set_processing(account: KalturaVendorAccount, task_id: int) -> EntryVendorTask:
    return VendorApi(account).update_job(task_id, status=EntryVendorTaskStatus.PROCESSING)


@task(name="set-error", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def set_error(account: KalturaVendorAccount, task_id: int, err_description: str) -> EntryVendorTask:
    return VendorApi(account).update_job(
        task_id, status=EntryVendorTaskStatus.ERROR, err_description=one_line(err_description)
    )


@task(name="set-ready", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def set_ready(
    account: KalturaVendorAccount, task_id: int, output_object_id: str, accuracy: int, external_task_id: str
) -> EntryVendorTask:
    return VendorApi(account).update_job(
        task_id,
        status=EntryVendorTaskStatus.READY,
        output_object_id=output_object_id,
        accuracy=accuracy,
        external_task_id=external_task_id,
    )


def begin(account: KalturaVendorAccount, task_id: int) -> ActiveJob | State:
    """Take the task: PENDING → PROCESSING before any work; a final task ends the run at once."""
    logger = get_run_logger()
    task_ = read_task(account, task_id)
    if task_ is None:
        return Completed(message=f"Task {task_id} is not listed for this vendor; nothing to do.")
    if task_.status in FINAL_STATUSES:
        return Completed(message=f"Task {task_id} is already {task_.status.name}; nothing to do.")
    issued_at = task_.queue_time or task_.created_at
    if task_.status in STARTABLE_STATUSES:
        set_processing(account, task_id)
        logger.info("Task %s of partner %s is PROCESSING", task_id, task_.partner_id)
    else:
        logger.info("Task %s was already %s: resuming it", task_id, task_.status.name)
    job = read_job(account, task_)
    deadline = Deadline.for_job(task_.created_at, task_.turn_around_time, task_.expected_finish_time)
    active = ActiveJob(account=account, job=job, deadline=deadline, key_issued_at=issued_at)
    logger.info("Deadline of task %s: %s (%s left)", task_id, deadline.due.isoformat(), deadline.remaining())
    return active


def checkpoint(active: ActiveJob, step: str) -> None:
    """Between steps: deadline check, at-risk event, accessKey extension."""
    settings = get_settings()
    logger = get_run_logger()
    now = datetime.now(UTC)
    used = active.deadline.used_fraction(now)
    if used >= settings.at_risk_threshold and not active.at_risk_reported:
        active.at_risk_reported = True
        note = f"At risk before step '{step}': {used:.0%} of the window used, due {active.deadline.due.isoformat()}"
        active.notes.append(note)
        logger.warning("Task %s: %s", active.task_id, note)
        emit_job_event(
            "reachflow.job.at-risk",
            active.task_id,
            active.partner_id,
            step=step,
            used_fraction=round(used, 3),
            due=active.deadline.due.isoformat(),
            flow_run_id=str(flow_run.get_id() or ""),
        )
    if active.deadline.is_past(now):
        logger.warning("Task %s is past its deadline (%s) at step '%s'", active.task_id, active.deadline.due, step)
    margin = timedelta(seconds=settings.access_key_refresh_margin_seconds)
    if now - active.key_issued_at >= SHORTEST_ACCESS_KEY_LIFE - margin:
        active.extend_key()


def emit_job_event(name: str, task_id: int, partner_id: int, **payload: Any) -> None:
    """A Prefect event about one REACH task (``reachflow.job.*``), for automations to alert on."""
    emit_event(
        event=name,
        resource={
            "prefect.resource.id": f"reachflow.reach-task.{task_id}",
            "prefect.resource.name": f"REACH task {task_id}",
            "reachflow.partner-id": str(partner_id),
        },
        payload={"task_id": task_id, "partner_id": partner_id, **payload},
    )


def finish(active: ActiveJob, result: JobResult) -> EntryVendorTask:
    """READY with outputObjectId and accuracy. Call only after every output is uploaded."""
    external = str(flow_run.get_id() or "")
    done = set_ready(active.account, active.task_id, result.output_object_id, result.accuracy, external)
    get_run_logger().info(
        "Task %s READY: output %s, accuracy %s", active.task_id, result.output_object_id, result.accuracy
    )
    return done


def run_job(
    task_id: int,
    service: str,
    steps: Steps,
    account_block: str | None = None,
) -> JobResult | State:
    """Begin the job, run the service's ``steps``, finish it; a permanent fault ends it in ERROR.

    Returns the :class:`JobResult`, or a Prefect state: Completed when there was nothing to do;
    Completed named "Rejected" (after the task was set to ERROR) when the customer's media or
    order cannot be served (:class:`~reachflow.errors.JobRejected`); Failed (after the task was
    set to ERROR) when the job could not be done for another reason; or whatever state the steps
    returned (e.g. a job left waiting for a person). Transient and unexpected failures raise (the
    run fails, the task stays PROCESSING, reconcile restarts it).
    """
    account = load_account(account_block)
    active: ActiveJob | None = None
    try:
        started = begin(account, task_id)
        if isinstance(started, State):
            return started
        active = started
        outcome = steps(active)
        if isinstance(outcome, State):
            return outcome
        finish(active, outcome)
        return outcome
    except Exception as raw:  # every exception is classified by the error tree
        exc = classify_unexpected(raw)
        if not isinstance(exc, PermanentError):
            # Transient faults that outlived the edge's retries, and failures that are none of ours:
            # the task stays PROCESSING and the run fails with the reason, which reconcile reads
            # when it restarts the job (or, after too many restarts, ends it in ERROR with it).
            get_run_logger().error(
                "Task %s stopped, to be restarted (reconcile, or discovery before PROCESSING): %s", task_id, exc.message
            )
            if exc is raw:
                raise
            raise exc from raw
        if isinstance(exc, TaskAlreadyFinal):
            # The customer aborted the task, or an operator ended it, while we worked: nothing to do.
            get_run_logger().warning("Task %s ended elsewhere while it was worked on: %s", task_id, exc.message)
            return Completed(message=f"Task {task_id} was already final: {exc.message}")
        set_error(account, task_id, exc.err_description)
        if active is not None:
            _error_artifact(active, service, exc.err_description)
        if isinstance(exc, JobRejected):
            # The customer's media or order: a correct ERROR. Nobody at the vendor has to act, so
            # the run is not red: it completes in the named state "Rejected", carrying the reason.
            return Completed(name=REJECTED, message=f"Task {task_id} rejected: {exc.err_description}")
        return Failed(message=f"Task {task_id} ended in ERROR: {exc.err_description}")


def _error_artifact(active: ActiveJob, service: str, err_description: str) -> None:
    create_markdown_artifact(
        key=artifact_key(f"{service}-report", active.job),
        markdown=(
            f"# {service} job {active.task_id} (partner {active.partner_id}): ERROR\n\n"
            f"**errDescription:** {md_inline(err_description)}\n\n"
            f"Entry `{active.job.task.entry_id}`, due {active.deadline.due.isoformat()}.\n"
        ),
        description=f"REACH task {active.task_id} ended in ERROR",
    )


def by_service_type(service: str, *, machine: Steps | None, human: Steps | None) -> Steps:
    """The MACHINE/HUMAN dispatch every service shares: the steps for the job's serviceType.

    A service type the service has no steps for ends the job in ERROR saying so.
    """

    def dispatch(active: ActiveJob) -> JobResult | State:
        chosen = {int(VendorServiceType.MACHINE): machine, int(VendorServiceType.HUMAN): human}.get(
            int(active.job.service_type)
        )
        if chosen is None:
            raise UnsupportedJob(f"{service} of service type {active.job.service_type_label} are not served")
        return chosen(active)

    return dispatch


def run_service(
    task_id: int,
    service: str,
    *,
    machine: Steps | None,
    human: Steps | None,
    account_block: str | None = None,
) -> dict[str, Any] | State:
    """A service flow's whole body: the job's life around the steps for its serviceType.

    Returns what the flow run returns: ``output_object_id``, ``accuracy`` and the job's summary once
    the task is READY, else a Prefect state (nothing to do, ERROR, or waiting for a person).

    Example:
        >>> @flow(name="reach-captions", flow_run_name="captions-{partner_id}-{task_id}")
        ... def captions_flow(task_id: int, partner_id: int = 0, account_block: str | None = None):
        ...     return run_service(task_id, "captions", machine=machine_job, human=human_job,
        ...                        account_block=account_block)
    """
    outcome = run_job(task_id, service, by_service_type(service, machine=machine, human=human), account_block)
    if isinstance(outcome, JobResult):
        return {"output_object_id": outcome.output_object_id, "accuracy": outcome.accuracy, **outcome.summary}
    return outcome

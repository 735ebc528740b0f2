"""The job a service flow works on, as every shared task receives it.

* :class:`ActiveJob`: the typed REACH job (task + catalog item + REACH profile), its deadline and a
  live accessKey client that extends an expired key and repeats the call.
* :class:`JobResult`: what a service delivered (outputObjectId, accuracy, a summary for the run).
* :func:`artifact_key`, :func:`job_workdir`: where a job's artifacts and local files go.
* :func:`caption_style`: the caption rules the customer's profile and catalog item ask for.
* :data:`KALTURA_RETRIES`: the Prefect retry options of a task that talks to Kaltura (none: the
  edge retries, see :data:`tasks.kaltura.RETRY_POLICY`).

``flows/lifecycle.py`` creates the :class:`ActiveJob` (``begin``) and finishes it; every other
module only reads it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import get_run_logger

from blocks.kaltura import KalturaVendorAccount
from reachflow.captions.model import CaptionStyle
from reachflow.deadlines import Deadline
from reachflow.models import EntryVendorTask, Job
from reachflow.settings import get_settings
from tasks.kaltura import TaskApi, VendorApi

__all__ = [
    "KALTURA_RETRIES",
    "ActiveJob",
    "JobResult",
    "artifact_key",
    "caption_style",
    "job_step_key",
    "job_workdir",
    "publish_job_report",
]

# One retry policy: Kaltura calls are retried at the edge (tasks/kaltura.py::RETRY_POLICY) and media
# downloads in tasks/media.py, so the Prefect tasks around them add no retries of their own (they
# would multiply the attempts). What outlives the edge fails the run; reconcile restarts the job.
KALTURA_RETRIES: dict[str, Any] = dict(retries=0)


def artifact_key(prefix: str, job: Job | EntryVendorTask) -> str:
    """A Prefect artifact key (lower-case, digits, dashes) for one job."""
    task_ = job.task if isinstance(job, Job) else job
    return f"{prefix}-{task_.partner_id}-{task_.id}".lower()


def publish_job_report(service: str, job: Job, markdown: str) -> None:
    """The job's report as a Prefect markdown artifact, keyed ``<service>-report-<partner>-<task>``.

    Args:
        service: The service's artifact name, e.g. ``"audio-description"``.
        job: The job the report is about.
        markdown: The report (customer text in it escaped by the caller: reachflow.markdown).
    """
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(
        key=artifact_key(f"{service}-report", job),
        markdown=markdown,
        description=f"{service.replace('-', ' ').capitalize()} job report for REACH task {job.task.id}",
    )


@dataclass
class ActiveJob:
    """A job being worked on: the typed job, its deadline and a live accessKey.

    Not persisted: a resumed or restarted run builds it again from Kaltura.
    """

    account: KalturaVendorAccount
    job: Job
    deadline: Deadline
    key_issued_at: datetime
    started_monotonic: float = field(default_factory=time.monotonic)
    at_risk_reported: bool = False
    notes: list[str] = field(default_factory=list)
    _task_api: TaskApi | None = None

    @property
    def task_id(self) -> int:
        """The entryVendorTask id."""
        return self.job.task.id

    @property
    def partner_id(self) -> int:
        """The customer's partner id."""
        return self.job.task.partner_id

    def vendor(self) -> VendorApi:
        """A client on the vendor KS (updateJob, extendAccessKey)."""
        return VendorApi(self.account)

    def api(self) -> TaskApi:
        """The accessKey client for this job; an expired key is extended and the call retried."""
        if self._task_api is None:
            self._task_api = self.vendor().task_api(self.job.task, on_access_key_expired=self.extend_key)
        return self._task_api

    def extend_key(self) -> str:
        """Extend the task's accessKey (vendor KS) and return the new one."""
        refreshed = self.vendor().extend_access_key(self.task_id)
        self.key_issued_at = datetime.now(UTC)
        self.job = self.job.model_copy(update={"task": refreshed})
        get_run_logger().info("Extended the accessKey of task %s", self.task_id)
        return refreshed.access_key.get_secret_value()

    def cache_scope(self) -> str:
        """A stable prefix for persisted step results of this job (same task, same Kaltura)."""
        digest = hashlib.sha256(
            f"{self.account.service_url}|{self.partner_id}|{self.task_id}|{self.job.task.version or ''}".encode()
        ).hexdigest()[:16]
        return f"reach-{self.task_id}-{digest}"


@dataclass(frozen=True)
class JobResult:
    """What a service delivered: the main output object and the accuracy reported on READY."""

    output_object_id: str
    accuracy: int
    summary: dict[str, Any] = field(default_factory=dict)


def job_workdir(active: ActiveJob) -> Path:
    """The job's local folder (``$REACHFLOW_HOME/jobs/<partner>-<task>``), created when missing."""
    folder = get_settings().home / "jobs" / f"{active.partner_id}-{active.task_id}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def caption_style(active: ActiveJob) -> CaptionStyle:
    """The caption style the customer's REACH profile and catalog item ask for."""
    job = active.job
    profile = job.profile
    return CaptionStyle(
        max_chars_per_line=job.max_chars_per_line,
        speaker_ids=bool(job.catalog_item.enable_speaker_id),
        speaker_change=bool(profile.enable_speaker_change_indication),
        profanity=bool(profile.enable_profanity_removal),
        audio_tags=bool(profile.enable_audio_tags),
    )


def job_step_key(
    step: str, content: Callable[[dict[str, Any]], str] | None = None
) -> Callable[[Any, dict[str, Any]], str]:
    """A ``cache_key_fn`` that persists a task's result once per job: ``<job cache scope>-<step>``.

    The task must take the job as its ``active`` parameter. Retries, restarts and resumed runs of the
    same job (same Kaltura, task and task version) then find the step done instead of redoing it.
    ``content`` adds a digest of the parameters the result depends on (``-<digest>``), for a step
    that is done again when its input changes (e.g. a script a person corrected).
    """

    def key(context: Any, parameters: dict[str, Any]) -> str:
        active: ActiveJob = parameters["active"]
        suffix = f"-{content(parameters)}" if content else ""
        return f"{active.cache_scope()}-{step}{suffix}"

    key.__name__ = f"job_step_key_{step.replace('-', '_')}"
    return key

"""Humans in the loop: hand work to a person, wait without holding a worker, take their result.

Shared by every human service (captions, translation, …). The reusable piece is
:func:`ask_a_person` (called from a flow: suspending is a flow-level act, not a task); it publishes
the work package with the :func:`publish_work_package` task. A service flow prepares the work (a draft, the
customer's notes and dictionary, the deadline and the rules to follow) and calls it with a typed
``RunInput`` class and a validator::

    answer = ask_a_person(active, title="Correct the captions", work_package=markdown,
                          input_type=CaptionSubmission, initial={"captions": draft},
                          validate=check)

It publishes the work package as a Prefect artifact and *suspends* the flow run
(``suspend_flow_run``): the worker process exits and nothing is held while a person works for
days. A person resumes the run with the Prefect UI's form or with ``reachflow review submit``. The
run then starts again from the top: every finished step is a persisted task result with a stable
cache key, so nothing is recomputed and nothing is uploaded twice, and the suspension returns the
person's input.

Invalid input never fails the run and never loses the draft: the validator's complaints are added
to the work package and the form, the person's text is kept in the form, and the run suspends again
under the next key (``review-1``, ``review-2``, …). On every re-run the earlier keys return their
(already judged) answers at once, so the sequence replays deterministically up to the first key
that has no answer yet.

An accepted answer is kept as a persisted result under the job's cache scope
(:func:`keep_answer` / :func:`recall_answer`): a run that a crash or reconcile restarts after the
person answered delivers that answer instead of asking again.

Deadlines: the suspension's timeout is the job's deadline plus a grace period (policy ``wait``) or
the deadline itself plus two reconcile intervals (policy ``error``; a job already past its deadline
then ends in ERROR at once instead of waiting). While a run waits, the flow is
not running; reconcile applies the at-risk event and the deadline policy to waiting runs, see
``flows/reconcile.py``.

:class:`CaptionSubmission` is the form for any service whose person hands in a caption file
(captions, translation); a service may subclass it to word the fields for its people.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run
from pydantic import Field

from reachflow.errors import DeadlineExceeded, ReviewAbandoned
from reachflow.markdown import md_block, md_inline
from reachflow.settings import get_settings
from tasks.job import ActiveJob, artifact_key

__all__ = [
    "MAX_ATTEMPTS",
    "REVIEW_KEY_PREFIX",
    "WORK_PACKAGE",
    "CaptionSubmission",
    "ask_a_person",
    "asked_before",
    "job_brief",
    "keep_answer",
    "media_link",
    "publish_work_package",
    "recall_answer",
    "suspend_timeout",
    "turnaround_label",
]

T = TypeVar("T", bound=RunInput)
MAX_ATTEMPTS = 50
REVIEW_KEY_PREFIX = "review-"
WORK_PACKAGE = "work-package"
# How long a suspended run may wait past its deadline (policy "wait") before Prefect refuses to
# resume it. Reconcile alerts long before; this only bounds a run nobody will ever resume.
WAIT_GRACE = timedelta(days=30)


class CaptionSubmission(RunInput):
    """What a person submits for a human captions job."""

    captions: str = Field(
        description="The corrected captions: the whole SRT or WebVTT file, pasted as text.",
        json_schema_extra={"format": "textarea"},
    )
    accuracy: int = Field(default=99, ge=0, le=100, description="The accuracy you vouch for, in percent.")
    note: str = Field(default="", description="Anything the operations team should know (optional).")


def suspend_timeout(due: datetime, policy: str, now: datetime | None = None) -> int:
    """Seconds a run may stay suspended for a job due at ``due`` under the deadline ``policy``.

    ``error``: until the deadline plus one reconcile interval (reconcile ends the task in ERROR
    first); ``wait``: 30 days past the deadline. Never less than a minute.
    """
    now = now or datetime.now(UTC)
    settings = get_settings()
    grace = timedelta(seconds=2 * settings.reconcile_interval_seconds) if policy == "error" else WAIT_GRACE
    return max(60, int((due - now + grace).total_seconds()))


def ask_a_person(
    active: ActiveJob,
    *,
    title: str,
    work_package: str,
    input_type: type[T],
    initial: dict[str, Any],
    validate: Callable[[T], list[str]],
    brief: str = "",
) -> T:
    """Suspend until a person submits valid input of ``input_type``; return it.

    Args:
        active: The job.
        title: One line saying what the person must do.
        work_package: Markdown with everything the person needs (media link, draft, rules).
        input_type: The ``RunInput`` subclass of the form.
        initial: Prefilled form values (e.g. the draft).
        validate: Returns the problems with a submission (empty when it can be delivered).
        brief: A few markdown lines shown in the form itself (e.g. the media link, key rules).
    """
    logger = get_run_logger()
    problems: list[str] = []
    fired = _fired_keys()
    policy = get_settings().human_deadline_policy
    timeout = suspend_timeout(active.deadline.due, policy)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        key = f"{REVIEW_KEY_PREFIX}{attempt}"
        if key not in fired:
            if policy == "error" and active.deadline.is_past():
                raise DeadlineExceeded(
                    f"No human result arrived before the deadline ({active.deadline.due:%Y-%m-%d %H:%M} UTC)"
                )
            # A new question: publish what the person needs. (A replayed key already has its answer.)
            publish_work_package(active, title, work_package, problems, attempt)
            logger.info("Task %s waits for a person (submission %s); no worker is held", active.task_id, attempt)
        description = _form_description(title, active, problems, brief)
        answer = suspend_flow_run(
            wait_for_input=input_type.with_initial_data(description=description, **initial),
            timeout=timeout,
            key=key,
        )
        assert answer is not None  # suspend_flow_run returns the input once the run is resumed with it
        if f"{REVIEW_KEY_PREFIX}{attempt + 1}" in fired:
            # Replaying an answer that was judged (and refused) before: only its text carries on.
            # Judging it again could accept an old answer over the person's newer one.
            initial = {**initial, **answer.model_dump(exclude={"metadata"}, exclude_none=True)}
            continue
        problems = validate(answer)
        if not problems:
            logger.info("Task %s: submission %s was accepted", active.task_id, attempt)
            return answer
        logger.warning("Task %s: submission %s was not accepted: %s", active.task_id, attempt, "; ".join(problems))
        # Keep the person's text in the form so they only fix what is wrong.
        initial = {**initial, **answer.model_dump(exclude={"metadata"}, exclude_none=True)}
    raise ReviewAbandoned(f"no acceptable human result after {MAX_ATTEMPTS} submissions")


def _answer_key(context: Any, parameters: dict[str, Any]) -> str:
    active: ActiveJob = parameters["active"]
    return f"{active.cache_scope()}-{parameters['kind']}-answer"


@task(name="recall-answer", cache_key_fn=_answer_key, persist_result=True, result_serializer="json")
def recall_answer(active: ActiveJob, kind: str) -> dict[str, Any] | None:
    """The answer a person already gave for this job (kept by :func:`keep_answer`), else None."""
    return None


@task(name="keep-answer", cache_key_fn=_answer_key, persist_result=True, result_serializer="json", refresh_cache=True)
def keep_answer(active: ActiveJob, kind: str, answer: dict[str, Any]) -> dict[str, Any]:
    """Persist an accepted answer so a restarted run delivers it instead of asking again."""
    return answer


def asked_before() -> bool:
    """Whether this flow run has already waited for a person (it is being replayed after a resume)."""
    return bool(_fired_keys())


def _fired_keys() -> set[str]:
    """Pause keys this flow run has already used (their answers are on record)."""
    run_id = flow_run.get_id()
    if not run_id:
        return set()
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(str(run_id)))
    return set(run.empirical_policy.pause_keys or set())


def _form_description(title: str, active: ActiveJob, problems: list[str], brief: str = "") -> str:
    lines = [
        f"**{title}** (REACH task {active.task_id}, due {active.deadline.due:%Y-%m-%d %H:%M} UTC).",
        f"Everything you need is in the artifact `{artifact_key(WORK_PACKAGE, active.job)}` of this run.",
    ]
    if brief:
        lines += ["", brief]
    if problems:
        lines.append("\n**Your last submission could not be delivered:**")
        lines.extend(f"- {md_inline(p)}" for p in problems)
    return "\n".join(lines)


@task(name="publish-work-package", cache_policy=NO_CACHE)
def publish_work_package(active: ActiveJob, title: str, work_package: str, problems: list[str], attempt: int) -> None:
    """The run's work-package artifact (``work-package-<partner>-<task>``): what the person needs,
    headed by what was wrong with their last submission."""
    status = ""
    if problems:
        status = (
            "\n## What was wrong with the last submission\n\n" + "\n".join(f"- {md_inline(p)}" for p in problems) + "\n"
        )
    create_markdown_artifact(
        key=artifact_key(WORK_PACKAGE, active.job),
        markdown=f"# {title}\n{status}\n{work_package}",
        description=f"Work package for REACH task {active.task_id} (submission {attempt})",
    )


# ---------------------------------------------------------------------------------------------
# Pieces of a work package every human service shares


def media_link(media_file: str) -> str:
    """Where a reviewer opens the media: the vendor's published jobs folder, else the file path.

    Never a Kaltura URL: those carry the task's accessKey, a secret that must not reach artifacts.
    """
    base = get_settings().review_media_url
    path = Path(media_file)
    if base:
        return f"[{path.name}]({base.rstrip('/')}/{path.parent.name}/{path.name})"
    return f"`{path}` (on the vendor's media storage)"


def turnaround_label(value: int | None) -> str:
    """A turnAroundTime as a person reads it, e.g. ``FOUR_BUSINESS_DAYS (4)``."""
    from reachflow.enums import VendorServiceTurnAroundTime

    if value is None:
        return "not set"
    try:
        return f"{VendorServiceTurnAroundTime(int(value)).name} ({int(value)})"
    except ValueError:
        return f"{int(value)} s"


def job_brief(active: ActiveJob, *, entry_name: str, media_seconds: float, media_file: str) -> str:
    """The top of a work package: entry, media link, deadline, the customer's notes and dictionary."""
    job = active.job
    task_ = job.task
    turnaround = turnaround_label(task_.turn_around_time)
    expected = task_.expected_finish_time.isoformat() if task_.expected_finish_time else "not set"
    dictionary = "\n".join(f"- {md_inline(t)}" for t in job.dictionary_terms) or "- (none)"
    notes = md_block((task_.notes or "").strip()) if (task_.notes or "").strip() else "(none)"
    return f"""**Entry:** {md_inline(entry_name)} (`{md_inline(task_.entry_id)}`), {media_seconds:.1f} s, partner {task_.partner_id}

**Media:** {media_link(media_file)}

**Due:** {active.deadline.due:%Y-%m-%d %H:%M} UTC — expectedFinishTime {expected}, turnAroundTime {turnaround}

## Customer notes

{notes}

## Dictionary (spell these exactly)

{dictionary}
"""

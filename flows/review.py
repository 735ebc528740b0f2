"""Humans in the loop: hand work to a person, wait without holding a worker, take their result.

The reusable piece is :func:`ask_a_person`. A service flow prepares the work (a draft, the
customer's notes and dictionary, the deadline and the rules to follow), and calls it with a typed
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
to the work package and the run suspends again under the next key (``review-1``, ``review-2``, …).
On every re-run the earlier keys return their (already judged) answers at once, so the sequence is
replayed deterministically until the first key that has no answer yet.

Deadlines: the at-risk event and the deadline policy for a job that is waiting are applied by
reconcile (the flow is not running while it waits), see ``flows/reconcile.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from pydantic import Field

from flows.lifecycle import ActiveJob, artifact_key

__all__ = ["CaptionSubmission", "MAX_ATTEMPTS", "ask_a_person"]

T = TypeVar("T", bound=RunInput)
MAX_ATTEMPTS = 50
# How long a suspended run may wait past its deadline before Prefect gives up on it. The deadline
# policy (reconcile) acts first; this only bounds a run nobody will ever resume.
SUSPEND_GRACE = timedelta(days=30)


class CaptionSubmission(RunInput):
    """What a person submits for a human captions job."""

    captions: str = Field(
        description="The corrected captions: the whole SRT or WebVTT file, pasted as text.",
        json_schema_extra={"format": "textarea"},
    )
    accuracy: int = Field(default=99, ge=0, le=100, description="The accuracy you vouch for, in percent.")
    note: str = Field(default="", description="Anything the operations team should know (optional).")


def ask_a_person(
    active: ActiveJob,
    *,
    title: str,
    work_package: str,
    input_type: type[T],
    initial: dict[str, Any],
    validate: Callable[[T], list[str]],
) -> T:
    """Suspend until a person submits valid input of ``input_type``; return it.

    Args:
        active: The job.
        title: One line saying what the person must do.
        work_package: Markdown with everything the person needs (media link, draft, rules).
        input_type: The ``RunInput`` subclass of the form.
        initial: Prefilled form values (e.g. the draft).
        validate: Returns the problems with a submission (empty when it can be delivered).
    """
    logger = get_run_logger()
    problems: list[str] = []
    timeout = max(60, int((active.deadline.due - datetime.now(UTC) + SUSPEND_GRACE).total_seconds()))
    for attempt in range(1, MAX_ATTEMPTS + 1):
        key = f"review-{attempt}"
        _publish(active, title, work_package, problems, attempt)
        description = _form_description(title, active, problems)
        answer = suspend_flow_run(
            wait_for_input=input_type.with_initial_data(description=description, **initial),
            timeout=timeout,
            key=key,
        )
        problems = validate(answer)
        if not problems:
            logger.info("Task %s: a person's submission (attempt %s) was accepted", active.task_id, attempt)
            return answer
        logger.warning(
            "Task %s: submission %s was not accepted: %s", active.task_id, attempt, "; ".join(problems)
        )
        # Keep the person's text in the form so they only fix what is wrong.
        initial = {**initial, **answer.model_dump(exclude={"metadata"}, exclude_none=True)}
    raise RuntimeError(f"Task {active.task_id}: {MAX_ATTEMPTS} submissions were rejected")


def _form_description(title: str, active: ActiveJob, problems: list[str]) -> str:
    lines = [f"**{title}** — REACH task {active.task_id}, due {active.deadline.due:%Y-%m-%d %H:%M} UTC.",
             f"The work package is the artifact `{artifact_key('work-package', active.job)}`."]
    if problems:
        lines.append("\n**Your last submission could not be delivered:**")
        lines.extend(f"- {p}" for p in problems)
    return "\n".join(lines)


def _publish(active: ActiveJob, title: str, work_package: str, problems: list[str], attempt: int) -> None:
    status = ""
    if problems:
        status = "\n## What was wrong with the last submission\n\n" + "\n".join(f"- {p}" for p in problems) + "\n"
    create_markdown_artifact(
        key=artifact_key("work-package", active.job),
        markdown=f"# {title}\n{status}\n{work_package}",
        description=f"Work package for REACH task {active.task_id} (submission {attempt})",
    )

"""What to do with a task, given the flow runs it already had: the one rule discovery (PENDING
tasks) and reconcile (PROCESSING tasks) share, as pure functions tested without Prefect.

A run is *live* while it is scheduled, pending, running, paused (waiting for a person) or being
cancelled; any other state (completed, failed, crashed, cancelled) is *dead*. A run *stuck* in
Pending (a worker took it and died before its process started: nothing will ever move it on) is
dead too once it has been Pending for ``stuck_pending_seconds``; the caller marks it Crashed before
it starts another. A task whose runs are
all dead needs a new run, under a new idempotency key (``...-restart-<n>``: the Prefect server
would hand back the dead run for a key it has seen), unless its last run ended moments ago (grace)
or it has been restarted ``max_restarts`` times already (then it ends in ERROR with the last
failure as its errDescription, so a job that dies every time cannot loop forever).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

__all__ = ["LIVE_STATES", "Decision", "RunRecord", "decide", "next_attempt"]

LIVE_STATES = frozenset({"SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"})
_ATTEMPT = re.compile(r"-restart-(\d+)$")


@dataclass(frozen=True)
class RunRecord:
    """The facts about one flow run of a task that the decision needs.

    Attributes:
        state: Prefect's state type name (``"RUNNING"``, ``"CRASHED"``, ...).
        end_time: When it ended (None while live).
        idempotency_key: The key it was created with.
        message: Its state message (the failure reason of a dead run).
        since: When it entered its current state.
        run_id: The run's id (so a stuck run can be marked Crashed).
    """

    state: str
    end_time: datetime | None = None
    idempotency_key: str | None = None
    message: str | None = None
    since: datetime | None = None
    run_id: str | None = None

    @property
    def live(self) -> bool:
        """Whether the run may still finish the task (a stuck Pending one included: see ``stuck``)."""
        return self.state in LIVE_STATES

    def stuck(self, now: datetime, stuck_pending_seconds: float) -> bool:
        """Pending for so long that its worker must have died while submitting it."""
        return (
            self.state == "PENDING"
            and self.since is not None
            and now - self.since >= timedelta(seconds=stuck_pending_seconds)
        )


@dataclass(frozen=True)
class Decision:
    """``running``: leave it; ``wait``: a run just ended, look again later; ``start``: create a run
    with ``attempt`` (0 = the first); ``give_up``: end the task in ERROR with ``reason``."""

    action: Literal["running", "wait", "start", "give_up"]
    attempt: int = 0
    reason: str = ""
    stuck: tuple[str, ...] = ()  # ids of runs stuck in Pending: mark them Crashed first


def next_attempt(runs: Iterable[RunRecord]) -> int:
    """The attempt number of a new run: one past every key already used (0 when there is none)."""
    used = [-1]
    for run in runs:
        if run.idempotency_key is None:
            continue
        match = _ATTEMPT.search(run.idempotency_key)
        used.append(int(match.group(1)) if match else 0)
    return max(used) + 1


def decide(
    runs: Sequence[RunRecord],
    now: datetime,
    *,
    grace_seconds: float,
    max_restarts: int,
    stuck_pending_seconds: float = 900,
) -> Decision:
    """What a task needs, from its runs (any order).

    Example:
        >>> from datetime import UTC
        >>> now = datetime(2026, 1, 1, tzinfo=UTC)
        >>> decide([RunRecord("CRASHED", now, "reach-task-1-q5")], now, grace_seconds=0, max_restarts=3)
        Decision(action='start', attempt=1, reason='')
    """
    if not runs:
        return Decision("start", 0)
    stuck = tuple(run.run_id or "" for run in runs if run.stuck(now, stuck_pending_seconds))
    if any(run.live and not run.stuck(now, stuck_pending_seconds) for run in runs):
        return Decision("running")
    ended = [run.end_time for run in runs if run.end_time is not None]
    if ended and now - max(ended) < timedelta(seconds=grace_seconds):
        return Decision("wait")
    attempt = next_attempt(runs)
    if attempt > max_restarts:
        newest = max(runs, key=lambda r: r.end_time or r.since or datetime.min.replace(tzinfo=now.tzinfo))
        reason = newest.message or ("stuck in Pending" if newest.run_id in stuck else newest.state.lower())
        return Decision("give_up", attempt, f"Processing stopped after {len(runs)} attempts: {reason}", stuck)
    return Decision("start", attempt, stuck=stuck)

"""reachflow.recovery: what a task needs given its runs (pure, no Prefect)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reachflow.recovery import RunRecord, decide, next_attempt

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KEY = "reach-task-7-q100"


def dead(key: str, minutes_ago: float = 10, state: str = "CRASHED", message: str | None = "lost") -> RunRecord:
    return RunRecord(state, NOW - timedelta(minutes=minutes_ago), key, message)


def test_no_run_starts_the_first_attempt() -> None:
    assert decide([], NOW, grace_seconds=60, max_restarts=3).action == "start"
    assert decide([], NOW, grace_seconds=60, max_restarts=3).attempt == 0


def test_a_live_run_of_any_kind_means_running() -> None:
    for state in ("SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"):
        runs = [dead(KEY), RunRecord(state, None, f"{KEY}-restart-1")]
        assert decide(runs, NOW, grace_seconds=0, max_restarts=3).action == "running"


def test_dead_runs_get_a_new_key_after_the_grace() -> None:
    assert decide([dead(KEY, minutes_ago=0.5)], NOW, grace_seconds=60, max_restarts=3).action == "wait"
    decision = decide([dead(KEY), dead(f"{KEY}-restart-1", state="FAILED")], NOW, grace_seconds=60, max_restarts=3)
    assert (decision.action, decision.attempt) == ("start", 2)
    # A completed run whose task is still waiting is dead too (it never took the task).
    assert decide([dead(KEY, state="COMPLETED", message=None)], NOW, grace_seconds=0, max_restarts=3).attempt == 1


def test_too_many_restarts_give_up_with_the_newest_reason() -> None:
    runs = [
        dead(KEY, 30, message="old"),
        dead(f"{KEY}-restart-2", 5, message="worker lost"),
        dead(f"{KEY}-restart-1", 20, message="middle"),
    ]
    decision = decide(runs, NOW, grace_seconds=0, max_restarts=2)
    assert decision.action == "give_up"
    assert decision.reason == "Processing stopped after 3 attempts: worker lost"


def test_next_attempt_is_past_every_key_used() -> None:
    assert next_attempt([]) == 0
    assert next_attempt([RunRecord("CRASHED", None, KEY)]) == 1
    assert next_attempt([RunRecord("CRASHED", None, f"{KEY}-restart-4"), RunRecord("FAILED", None, None)]) == 5


def test_a_run_stuck_in_pending_is_dead_after_a_while_and_named() -> None:
    submitted = RunRecord("PENDING", None, KEY, None, since=NOW - timedelta(minutes=20), run_id="r1")
    decision = decide([submitted], NOW, grace_seconds=60, max_restarts=3, stuck_pending_seconds=900)
    assert (decision.action, decision.attempt, decision.stuck) == ("start", 1, ("r1",))
    fresh = RunRecord("PENDING", None, KEY, None, since=NOW - timedelta(minutes=2), run_id="r2")
    assert decide([fresh], NOW, grace_seconds=60, max_restarts=3, stuck_pending_seconds=900).action == "running"

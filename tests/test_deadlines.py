"""Deadlines: expectedFinishTime first, else createdAt + turnAroundTime as Kaltura derives it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reachflow.deadlines import Deadline, add_business_days, derive_deadline

# 2026-11-20 is a Friday.
FRIDAY_9 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
WEDNESDAY_9 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)

SECONDS_VALUES = [1800, 7200, 10800, 21600, 28800, 43200, 86400, 172800, 345600, 432000, 864000]


@pytest.mark.parametrize("seconds", SECONDS_VALUES)
def test_time_based_turnaround_is_plain_seconds(seconds: int) -> None:
    assert derive_deadline(FRIDAY_9, seconds) == FRIDAY_9 + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (1, datetime(2026, 11, 23, 9, tzinfo=UTC)),  # Friday + 1 business day = Monday
        (2, datetime(2026, 11, 24, 9, tzinfo=UTC)),
        (3, datetime(2026, 11, 25, 9, tzinfo=UTC)),
        (4, datetime(2026, 11, 26, 9, tzinfo=UTC)),
        (5, datetime(2026, 11, 27, 9, tzinfo=UTC)),  # a full working week later
        (6, datetime(2026, 11, 30, 9, tzinfo=UTC)),
        (7, datetime(2026, 12, 1, 9, tzinfo=UTC)),
        (10, datetime(2026, 12, 4, 9, tzinfo=UTC)),  # two working weeks
    ],
)
def test_business_day_turnaround_skips_weekends(days: int, expected: datetime) -> None:
    assert derive_deadline(FRIDAY_9, days) == expected


def test_business_days_midweek() -> None:
    assert derive_deadline(WEDNESDAY_9, 2) == datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert derive_deadline(WEDNESDAY_9, 3) == datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_order_placed_on_a_weekend_counts_from_monday() -> None:
    saturday_noon = datetime(2026, 11, 21, 12, tzinfo=UTC)
    assert add_business_days(saturday_noon, 1) == datetime(2026, 11, 24, 12, tzinfo=UTC)


def test_best_effort_is_seven_days_and_immediate_has_no_grace() -> None:
    assert derive_deadline(FRIDAY_9, -1) == FRIDAY_9 + timedelta(days=7)
    assert derive_deadline(FRIDAY_9, None) == FRIDAY_9 + timedelta(days=7)
    assert derive_deadline(FRIDAY_9, 0) == FRIDAY_9


def test_expected_finish_time_wins_over_turnaround() -> None:
    expected = FRIDAY_9 + timedelta(hours=5)
    assert derive_deadline(FRIDAY_9, 10, expected) == expected


def test_naive_datetimes_are_utc() -> None:
    naive = datetime(2026, 11, 20, 9, 0)
    assert derive_deadline(naive, 1800) == FRIDAY_9 + timedelta(seconds=1800)


def test_used_fraction_and_at_risk() -> None:
    deadline = Deadline.for_job(FRIDAY_9, 36000)  # a 10-hour window
    assert deadline.used_fraction(FRIDAY_9) == 0.0
    assert deadline.used_fraction(FRIDAY_9 + timedelta(hours=5)) == pytest.approx(0.5)
    assert not deadline.is_at_risk(0.8, FRIDAY_9 + timedelta(hours=7, minutes=59))
    assert deadline.is_at_risk(0.8, FRIDAY_9 + timedelta(hours=8))
    assert not deadline.is_past(FRIDAY_9 + timedelta(hours=9))
    assert deadline.is_past(FRIDAY_9 + timedelta(hours=10))
    assert deadline.remaining(FRIDAY_9 + timedelta(hours=4)) == timedelta(hours=6)


def test_zero_window_is_at_risk_immediately() -> None:
    deadline = Deadline.for_job(FRIDAY_9, 0)
    assert deadline.used_fraction(FRIDAY_9) == 1.0
    assert deadline.is_at_risk(0.8, FRIDAY_9)

"""A REACH job's deadline, and how much of its window it has used.

Kaltura gives each task an ``expectedFinishTime`` when it enters PENDING. When it is missing, the
deadline is derived the way Kaltura derives it: ``createdAt + turnAroundTime``, where the values
1–7 and 10 mean *business days* (Saturday and Sunday do not count), BEST_EFFORT (-1) means 7 days,
IMMEDIATE (0) means no grace at all, and every other value is a number of seconds
(THIRTY_MINUTES=1800 … TEN_DAYS=864000).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["Deadline", "add_business_days", "derive_deadline"]

BUSINESS_DAY_VALUES = frozenset({1, 2, 3, 4, 5, 6, 7, 10})
BEST_EFFORT = -1
IMMEDIATE = 0
BEST_EFFORT_WINDOW = timedelta(days=7)


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` business days, skipping Saturdays and Sundays (time of day kept).

    A start on a weekend first moves to the following Monday at the same time, so "1 business
    day" from Saturday noon is Tuesday noon, not Monday noon.
    """
    current = start
    while current.weekday() >= 5:
        current += timedelta(days=1)
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def derive_deadline(
    created_at: datetime,
    turn_around_time: int | None,
    expected_finish_time: datetime | None = None,
) -> datetime:
    """The deadline of a job: ``expectedFinishTime`` when Kaltura set it, else created + TAT.

    Example:
        >>> derive_deadline(datetime(2026, 11, 20, 9, tzinfo=UTC), 1)   # a Friday
        datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.timezone.utc)
    """
    if expected_finish_time is not None:
        return _aware(expected_finish_time)
    created = _aware(created_at)
    if turn_around_time is None or turn_around_time == BEST_EFFORT:
        return created + BEST_EFFORT_WINDOW
    if turn_around_time == IMMEDIATE:
        return created
    if turn_around_time in BUSINESS_DAY_VALUES:
        return add_business_days(created, turn_around_time)
    return created + timedelta(seconds=turn_around_time)


@dataclass(frozen=True)
class Deadline:
    """A job's time window: from when it was ordered to when it is due."""

    started: datetime
    due: datetime

    @classmethod
    def for_job(
        cls,
        created_at: datetime,
        turn_around_time: int | None,
        expected_finish_time: datetime | None = None,
    ) -> Deadline:
        return cls(_aware(created_at), derive_deadline(created_at, turn_around_time, expected_finish_time))

    def used_fraction(self, now: datetime | None = None) -> float:
        """Share of the window already used (0.0 at order time, 1.0 at the deadline, >1 when late)."""
        moment = _aware(now or datetime.now(UTC))
        window = (self.due - self.started).total_seconds()
        if window <= 0:
            return 1.0 if moment >= self.due else 0.0
        return (moment - self.started).total_seconds() / window

    def remaining(self, now: datetime | None = None) -> timedelta:
        return self.due - _aware(now or datetime.now(UTC))

    def is_at_risk(self, threshold: float, now: datetime | None = None) -> bool:
        """True once the job has used ``threshold`` (e.g. 0.8) of its window."""
        return self.used_fraction(now) >= threshold

    def is_past(self, now: datetime | None = None) -> bool:
        return _aware(now or datetime.now(UTC)) >= self.due

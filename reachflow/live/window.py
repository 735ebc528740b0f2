"""The time window of a live-caption task, checked before anything is provisioned.

Kaltura gives a LIVE_CAPTION task ``taskJobData`` = ``KalturaScheduledVendorTaskData{startDate,
endDate, scheduledEventId}``: the schedule event's start and end widened by the catalog item's
``startTimeBuffer`` / ``endTimeBuffer`` (reach-spec §7.1). The vendor listens from ``startDate`` to
``endDate``; the event itself (read with ``scheduleEvent.get``) says when the stream should end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reachflow.errors import JobRejected

__all__ = ["LiveWindow", "LiveWindowError", "clock", "live_window"]


class LiveWindowError(JobRejected):
    """The task cannot be served live: no event, a window in the past, or one longer than allowed."""


@dataclass(frozen=True)
class LiveWindow:
    """When to listen for a live stream, and when the customer's event itself runs."""

    event_id: int
    start: datetime  # the task's startDate: event start minus the catalog item's start buffer
    end: datetime  # the task's endDate: event end plus the end buffer
    event_start: datetime
    event_end: datetime

    @property
    def seconds(self) -> float:
        """The window's length in seconds."""
        return (self.end - self.start).total_seconds()

    def describe(self) -> str:
        """``between 14:00:00 and 15:10:00 UTC``: how errDescriptions name the window."""
        return f"between {clock(self.start)} and {clock(self.end)} UTC"


def clock(moment: datetime) -> str:
    """A moment as ``HH:MM:SS`` UTC (with the date when it is not today)."""
    moment = moment.astimezone(UTC)
    if moment.date() != datetime.now(UTC).date():
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.strftime("%H:%M:%S")


def _epoch(value: Any) -> datetime | None:
    if value in (None, "", 0):
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError):
        return None


def live_window(
    task_job_data: dict[str, Any],
    event: dict[str, Any] | None,
    *,
    now: datetime,
    duration_limit: int | None = None,
) -> LiveWindow:
    """The window of a task, or :class:`LiveWindowError` naming why it cannot be served.

    Args:
        task_job_data: the task's ``taskJobData`` (``scheduledEventId``, ``startDate``, ``endDate``).
        event: the schedule event as ``{"id", "startDate", "endDate"}`` (epoch seconds), or None
            when Kaltura has no such event.
        now: the current time.
        duration_limit: the catalog item's ``durationLimit`` in seconds (0 or None: no limit).

    Raises:
        LiveWindowError: no event, no window, a window already over, or one longer than the limit.
    """
    event_id = task_job_data.get("scheduledEventId")
    if not event_id:
        raise LiveWindowError("the live-caption task names no schedule event (taskJobData.scheduledEventId)")
    if event is None:
        raise LiveWindowError(f"schedule event {event_id} of the live-caption task does not exist")
    event_start, event_end = _epoch(event.get("startDate")), _epoch(event.get("endDate"))
    start = _epoch(task_job_data.get("startDate")) or event_start
    end = _epoch(task_job_data.get("endDate")) or event_end
    if start is None or end is None or event_start is None or event_end is None or end <= start:
        raise LiveWindowError(f"schedule event {event_id} has no valid start and end time")
    window = LiveWindow(int(event_id), start, end, event_start, event_end)
    if end <= now:
        raise LiveWindowError(f"the live event window {window.describe()} is already over")
    if duration_limit and window.seconds > duration_limit:
        raise LiveWindowError(
            f"the live event window lasts {window.seconds / 60:.0f} min, longer than the catalog item's "
            f"limit of {duration_limit / 60:.0f} min"
        )
    return window

"""Pure pieces of the human-in-the-loop machinery: suspension timeouts, form fields, submissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.captions import check_submission
from flows.review import CaptionSubmission, suspend_timeout
from reachflow.app.reviews import ReviewError, text_field
from reachflow.captions.model import CaptionStyle

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_suspend_timeout_follows_the_deadline_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    from reachflow.settings import get_settings

    monkeypatch.setenv("REACHFLOW_RECONCILE_INTERVAL_SECONDS", "300")
    get_settings.cache_clear()
    try:
        due = NOW + timedelta(days=2)
        # error: Prefect stops accepting answers shortly after reconcile has ended the task.
        assert suspend_timeout(due, "error", now=NOW) == 2 * 86400 + 600
        # wait: a late answer is still welcome for 30 days.
        assert suspend_timeout(due, "wait", now=NOW) == 32 * 86400
        # A deadline long gone still leaves a minute to suspend and be resumed.
        assert suspend_timeout(NOW - timedelta(days=60), "wait", now=NOW) == 60
    finally:
        get_settings.cache_clear()


def test_the_submitted_file_goes_into_the_forms_text_field() -> None:
    schema = CaptionSubmission.model_json_schema()
    assert text_field(schema) == "captions"
    assert text_field({"properties": {"accuracy": {"type": "integer"}, "text": {"type": "string"}}}) == "text"
    with pytest.raises(ReviewError):
        text_field({"properties": {"accuracy": {"type": "integer"}}})


def test_submissions_are_checked_for_what_delivery_needs() -> None:
    style = CaptionStyle(max_chars_per_line=20)
    good = "1\n00:00:01,000 --> 00:00:02,500\nShort line\n"
    assert check_submission(good, style, media_seconds=10.0) == []
    assert check_submission("", style, 10.0) == ["the captions could not be read: the captions are empty"]
    assert check_submission("hello there", style, 10.0)[0].startswith("the captions could not be read: line 1: not SRT")
    long_line = "1\n00:00:01,000 --> 00:00:02,500\nThis line is much too long\n"
    assert any("the limit is 20" in p for p in check_submission(long_line, style, 10.0))
    late = "WEBVTT\n\n00:00:30.000 --> 00:00:31.000\nToo late\n"
    assert any("outside the media" in p for p in check_submission(late, style, 10.0))


def test_a_run_failed_by_prefects_pause_expiry_is_recognised() -> None:
    from uuid import uuid4

    from prefect.client.schemas.objects import FlowRun
    from prefect.states import Completed, Failed

    from flows.reconcile import _pause_expired

    # The message Prefect's pause-expirations service sets (prefect/server/services/pause_expirations.py).
    assert _pause_expired(FlowRun(flow_id=uuid4(), state=Failed(message="The flow was paused and never resumed.")))
    assert not _pause_expired(FlowRun(flow_id=uuid4(), state=Failed(message="Task deliver-captions failed")))
    assert not _pause_expired(FlowRun(flow_id=uuid4(), state=Completed()))

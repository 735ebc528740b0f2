"""Kept so existing imports keep working: the person-in-the-loop step lives in ``tasks/review.py``."""

from tasks.review import (
    MAX_ATTEMPTS,
    REVIEW_KEY_PREFIX,
    WORK_PACKAGE,
    CaptionSubmission,
    ask_a_person,
    asked_before,
    keep_answer,
    publish_work_package,
    recall_answer,
    suspend_timeout,
)

__all__ = [
    "MAX_ATTEMPTS",
    "REVIEW_KEY_PREFIX",
    "WORK_PACKAGE",
    "CaptionSubmission",
    "ask_a_person",
    "asked_before",
    "keep_answer",
    "publish_work_package",
    "recall_answer",
    "suspend_timeout",
]

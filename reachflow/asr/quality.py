"""Quality mode: decode English with the larger model when the deadline leaves room for it.

``FasterWhisperEngine.transcribe(quality="best")`` decodes English with multilingual base instead
of tiny.en. What it buys and costs was measured by ``bench/caption_quality.py`` (11.7 min of
lecture speech, three voices, 2 threads; see the README's caption-quality table): fewer errors on
the hard voices, about twice the recognition time. Other languages already use base, so for them
``best`` changes nothing and costs nothing.

:func:`choose_quality` is the rule the captions flow applies under ``REACHFLOW_QUALITY_MODE=auto``
(the default is ``fast``: best mode keeps fewer dictionary terms and amounts): ``best`` when the time left before
the job's deadline covers everything queued ahead of it plus ``safety`` times the best mode's
expected recognition time plus the fixed work of a job (download, decode, delivery).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["RTF_BEST", "RTF_FAST", "QualityChoice", "choose_quality"]

Quality = Literal["fast", "best"]

# Recognition time ÷ media time on 2 threads (bench/caption_quality.py, pipeline incl. coverage
# re-decodes and dictionary snapping, machine shared with other work: upper-end values).
RTF_FAST = 0.08  # tiny.en
RTF_BEST = 0.16  # base
JOB_OVERHEAD_SECONDS = 60.0  # download, audio decode, language ID, captions, delivery


@dataclass(frozen=True)
class QualityChoice:
    """The quality mode for one job and why.

    Attributes:
        mode: ``fast`` or ``best``.
        reason: one sentence for the job report.
        expected_seconds: expected recognition time in ``mode``.
        extra_seconds: what ``best`` costs over ``fast`` (0 when ``fast`` is chosen).
    """

    mode: Quality
    reason: str
    expected_seconds: float
    extra_seconds: float


def choose_quality(
    media_seconds: float,
    seconds_left: float | None,
    *,
    language: str | None = "en",
    queued_seconds: float = 0.0,
    safety: float = 3.0,
    rtf_fast: float = RTF_FAST,
    rtf_best: float = RTF_BEST,
) -> QualityChoice:
    """``best`` when the deadline leaves room for it, else ``fast``.

    Args:
        media_seconds: length of the media.
        seconds_left: seconds until the job's deadline (``None``: no deadline, e.g. BEST_EFFORT).
        language: the job's language (ISO 639-1); only English has a faster, weaker model.
        queued_seconds: work ahead of this job on the same worker (expected seconds).
        safety: how many times the best mode's expected time must fit.
        rtf_fast: recognition time ÷ media time of the fast mode.
        rtf_best: recognition time ÷ media time of the best mode.

    Example:
        >>> choose_quality(3600, 48 * 3600).mode
        'best'
        >>> choose_quality(3600, 900).mode
        'fast'
    """
    fast = media_seconds * rtf_fast
    best = media_seconds * rtf_best
    code = (language or "").replace("_", "-").split("-")[0].lower()
    if code != "en":
        return QualityChoice("fast", f"{code or 'this language'} is decoded with base already", fast, 0.0)
    if seconds_left is None:
        return QualityChoice("best", "no deadline: the larger model is affordable", best, best - fast)
    needed = queued_seconds + JOB_OVERHEAD_SECONDS + safety * best
    if seconds_left >= needed:
        return QualityChoice(
            "best",
            f"{seconds_left / 60:.0f} min left before the deadline, best mode needs about {needed / 60:.0f} min "
            f"with a {safety:g}x margin",
            best,
            best - fast,
        )
    return QualityChoice(
        "fast",
        f"only {seconds_left / 60:.0f} min left before the deadline, best mode would need {needed / 60:.0f} min",
        fast,
        0.0,
    )

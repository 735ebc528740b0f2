"""Clean-ups of recognised words that no engine setting prevents.

Whisper sometimes ends a file with words that were never spoken ("Thank you very much."), most
often when a prompt (the REACH dictionary) steers it. They are recognisable by their timing: the
aligner finds no audio for them (zero-length words) or gives them almost no confidence. Seen here
on a 11.4 s panel clip: ``students.`` (0.38 s, p 0.95) then ``Thank`` (p 0.01) and three
zero-length words ``you very much.``, all in the last half second.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

__all__ = ["trim_trailing_hallucination"]


class _Timed(Protocol):
    start: float
    end: float
    probability: float


W = TypeVar("W", bound=_Timed)

MIN_DURATION = 0.02  # seconds: shorter is a word the aligner found no audio for
MIN_PROBABILITY = 0.1


def trim_trailing_hallucination(words: Sequence[W], media_seconds: float | None = None) -> list[W]:
    """Drop words at the very end that have no audio (zero length) or almost no confidence,
    and any word that starts after the media ends.

    Only the tail is trimmed: a low-confidence word between real words is a mishearing, which the
    accuracy estimate reports, not a word to delete.
    """
    kept = [w for w in words if media_seconds is None or w.start < media_seconds - 0.05]
    while kept and (kept[-1].end - kept[-1].start < MIN_DURATION or kept[-1].probability < MIN_PROBABILITY):
        kept.pop()
    if media_seconds is not None:
        kept = [w if w.end <= media_seconds else _clipped(w, media_seconds) for w in kept]
    return kept


def _clipped(word: W, end: float) -> W:
    from dataclasses import replace

    return replace(word, end=end)  # type: ignore[type-var]

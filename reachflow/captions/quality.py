"""Caption statistics and style findings (for job reports), and checks of submitted captions."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from reachflow.captions.model import CaptionStyle, Cue

__all__ = ["CaptionFindings", "style_findings", "validate_submission"]

_EPS = 1e-6
_LONG_GAP = 2.0  # silences at least this long are reported (a viewer sees no caption)
_MEDIA_SLACK = 0.5  # seconds a cue may run past the media's end (decoders round durations)


@dataclass(frozen=True)
class CaptionFindings:
    """What a person reviewing a caption file wants to know, measured.

    Limits are those of the :class:`CaptionStyle` given to :func:`style_findings`.
    """

    cues: int
    speech_cues: int
    sound_cues: int
    words: int
    mean_cps: float
    max_cps: float
    cues_over_cps: int
    lines_over_limit: int
    longest_line: int
    cues_over_max_lines: int
    cues_under_min_duration: int
    cues_over_max_duration: int
    overlaps: int
    gaps_over_2s: int
    longest_gap: float
    cues_outside_media: int
    first_start: float | None
    last_end: float | None

    def as_dict(self) -> dict[str, object]:
        """Readable names to values, for a report table."""
        labels = {
            "cues": "cues",
            "speech_cues": "speech cues",
            "sound_cues": "sound tags",
            "words": "words",
            "mean_cps": "mean characters per second",
            "max_cps": "max characters per second",
            "cues_over_cps": "cues over the reading rate",
            "lines_over_limit": "lines over the character limit",
            "longest_line": "longest line (characters)",
            "cues_over_max_lines": "cues over the line limit",
            "cues_under_min_duration": "cues under the minimum duration",
            "cues_over_max_duration": "cues over the maximum duration",
            "overlaps": "overlapping cues",
            "gaps_over_2s": "gaps over 2 s",
            "longest_gap": "longest gap (s)",
            "cues_outside_media": "cues outside the media",
            "first_start": "first cue starts (s)",
            "last_end": "last cue ends (s)",
        }
        return {labels[key]: value for key, value in asdict(self).items()}

    @property
    def clean(self) -> bool:
        """No rule is broken (reading rate excepted: fast speech cannot always be slowed)."""
        return not (
            self.lines_over_limit
            or self.cues_over_max_lines
            or self.overlaps
            or self.cues_over_max_duration
            or self.cues_outside_media
        )


_LABELS = re.compile(r"^(?:>>\s*)?(?:\[[^\]]*\]\s*)?")


def _spoken_words(cue: Cue) -> int:
    """Words of a speech cue, its speaker labels left out."""
    return len(_LABELS.sub("", cue.text).split())


def _long_line(line: str, limit: int) -> bool:
    # A single word longer than the limit cannot be broken, so it is not a finding.
    return len(line) > limit and " " in line.strip()


def style_findings(cues: Sequence[Cue], style: CaptionStyle, media_duration: float | None = None) -> CaptionFindings:
    """Counts and measurements of a caption file against ``style``.

    Args:
        cues: The cues in time order.
        style: The limits to measure against.
        media_duration: Length of the media in seconds, to find cues outside it.
    """
    speech = [c for c in cues if c.kind == "speech"]
    cps = [len(c.text) / max(c.duration, 0.001) for c in speech]
    durations = [c.duration for c in cues]
    gaps = [b.start - a.end for a, b in itertools.pairwise(cues)]
    return CaptionFindings(
        cues=len(cues),
        speech_cues=len(speech),
        sound_cues=len(cues) - len(speech),
        words=sum(_spoken_words(c) for c in speech),
        mean_cps=round(sum(cps) / len(cps), 1) if cps else 0.0,
        max_cps=round(max(cps), 1) if cps else 0.0,
        cues_over_cps=sum(1 for v in cps if v > style.max_cps + _EPS),
        lines_over_limit=sum(1 for c in cues for line in c.lines if _long_line(line, style.max_chars_per_line)),
        longest_line=max((len(line) for c in cues for line in c.lines), default=0),
        cues_over_max_lines=sum(1 for c in cues if len(c.lines) > style.max_lines),
        cues_under_min_duration=sum(1 for d in durations if d < style.min_duration - 0.001),
        cues_over_max_duration=sum(1 for d in durations if d > style.max_duration + 0.001),
        overlaps=sum(1 for g in gaps if g < -_EPS),
        gaps_over_2s=sum(1 for g in gaps if g >= _LONG_GAP),
        longest_gap=round(max(gaps), 3) if gaps else 0.0,
        cues_outside_media=sum(
            1 for c in cues if media_duration is not None and (c.end > media_duration + _MEDIA_SLACK or c.start < 0)
        ),
        first_start=cues[0].start if cues else None,
        last_end=max(c.end for c in cues) if cues else None,
    )


def validate_submission(
    cues: Sequence[Cue], style: CaptionStyle, media_duration: float | None, max_problems: int = 20
) -> list[str]:
    """Problems that keep submitted (human-corrected) captions from being delivered.

    Reading rate and minimum duration are not checked: a person's timing is trusted there.

    Args:
        cues: Parsed cues, in file order.
        style: The limits (line length and count).
        media_duration: Length of the media in seconds (None: not checked).
        max_problems: At most this many messages, then a count of the rest.

    Returns:
        One message per problem, numbering cues from 1; empty when deliverable.
    """
    if not cues:
        return ["the captions are empty"]
    problems: list[str] = []
    for index, cue in enumerate(cues, start=1):
        if not cue.text.strip():
            problems.append(f"cue {index} has no text")
        if cue.end <= cue.start:
            problems.append(f"cue {index} ends before it starts")
        if media_duration is not None and (cue.start >= media_duration or cue.end > media_duration + _MEDIA_SLACK):
            problems.append(
                f"cue {index} ({cue.start:.1f}–{cue.end:.1f} s) is outside the media ({media_duration:.1f} s long)"
            )
        for line in cue.lines:
            if _long_line(line, style.max_chars_per_line):
                problems.append(
                    f"cue {index}: a line has {len(line)} characters"
                    f" (the limit is {style.max_chars_per_line}): {line[:60]!r}"
                )
        if len(cue.lines) > style.max_lines:
            problems.append(f"cue {index} has {len(cue.lines)} lines (the limit is {style.max_lines})")
    for index, (a, b) in enumerate(itertools.pairwise(cues), start=1):
        if b.start < a.start:
            problems.append(f"cue {index + 1} starts before cue {index} (cues must be in time order)")
        elif b.start < a.end - _EPS:
            problems.append(f"cues {index} and {index + 1} overlap ({b.start:.3f} s < {a.end:.3f} s)")
    if len(problems) > max_problems:
        rest = len(problems) - max_problems
        problems = [*problems[:max_problems], f"... and {rest} more"]
    return problems

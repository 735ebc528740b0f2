"""Caption statistics and style findings (for job reports), and checks of submitted captions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reachflow.captions.model import CaptionStyle, Cue

__all__ = ["style_findings", "validate_submission"]


def style_findings(cues: Sequence[Cue], style: CaptionStyle, media_duration: float | None = None) -> dict[str, Any]:
    """Counts and measurements a person wants to see about a caption file."""
    speech = [c for c in cues if c.kind == "speech"]
    cps = [len(c.text) / max(c.end - c.start, 0.001) for c in speech]
    durations = [c.end - c.start for c in cues]
    overlaps = sum(1 for a, b in zip(cues, cues[1:]) if b.start < a.end - 1e-6)
    long_lines = sum(1 for c in cues for line in c.lines if len(line) > style.max_chars_per_line and " " in line)
    return {
        "cues": len(cues),
        "words": sum(len(c.text.split()) for c in speech),
        "sound tags": sum(1 for c in cues if c.kind == "sound"),
        "mean characters per second": round(sum(cps) / len(cps), 1) if cps else 0.0,
        "max characters per second": round(max(cps), 1) if cps else 0.0,
        f"cues faster than {style.max_cps:g} cps": sum(1 for v in cps if v > style.max_cps + 1e-6),
        f"lines over {style.max_chars_per_line} characters": long_lines,
        f"cues over {style.max_lines} lines": sum(1 for c in cues if len(c.lines) > style.max_lines),
        f"cues shorter than {style.min_duration:.2f} s": sum(1 for d in durations if d < style.min_duration - 1e-6),
        f"cues longer than {style.max_duration:g} s": sum(1 for d in durations if d > style.max_duration + 1e-6),
        "overlapping cues": overlaps,
        "cues past the end of the media": sum(1 for c in cues if media_duration is not None and c.end > media_duration + 0.5),
    }


def validate_submission(cues: Sequence[Cue], style: CaptionStyle, media_duration: float | None) -> list[str]:
    """Problems that keep submitted captions from being delivered (empty list: deliverable)."""
    problems: list[str] = []
    if not cues:
        return ["the captions are empty"]
    for index, cue in enumerate(cues, start=1):
        if media_duration is not None and (cue.start > media_duration + 0.5 or cue.end > media_duration + 1.0):
            problems.append(f"cue {index} ({cue.start:.1f}–{cue.end:.1f} s) is outside the media ({media_duration:.1f} s)")
        for line in cue.lines:
            if len(line) > style.max_chars_per_line and " " in line:
                problems.append(f"cue {index}: a line has {len(line)} characters (the limit is {style.max_chars_per_line})")
        if len(cue.lines) > style.max_lines:
            problems.append(f"cue {index} has {len(cue.lines)} lines (the limit is {style.max_lines})")
    for index, (a, b) in enumerate(zip(cues, cues[1:]), start=1):
        if b.start < a.end - 1e-6:
            problems.append(f"cues {index} and {index + 1} overlap")
    return problems[:20]

"""A person's translation, checked against its source cues (pure).

A translation keeps the source's timing: one target cue for every source cue, on the same times.
A translator edits an SRT or WebVTT file whose cues are the source's, prefilled with the machine
draft or left empty; :func:`parse_lenient` reads it (empty cues included, so the checks can say
which cue is still empty), :func:`check_translation` says why it cannot be delivered yet.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from reachflow.captions.model import CaptionStyle, Cue

__all__ = ["TIME_TOLERANCE", "blank_targets", "check_translation", "is_audio_tag", "parse_lenient"]

# SRT and WebVTT both keep milliseconds; a cue more than 20 ms off its source cue was moved.
TIME_TOLERANCE = 0.02
_TIMING = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})\s*-->\s*(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})")
_TAGS = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_AUDIO_TAG = re.compile(r"^\s*\[[^\]]*\]\s*$")
MAX_PROBLEMS = 20


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis.ljust(3, "0")) / 1000


def parse_lenient(text: str) -> list[Cue]:
    """Cues of an SRT or WebVTT file, a cue without text kept with no lines.

    Cue numbers, the WEBVTT header, NOTE/STYLE blocks and markup are ignored; what matters is each
    timing line and the text lines under it.
    """
    rows = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cues: list[Cue] = []
    current: tuple[float, float] | None = None
    lines: list[str] = []
    for index, raw in enumerate(rows):
        match = _TIMING.match(raw)
        if match:
            if current is not None:
                cues.append(Cue(current[0], current[1], tuple(lines)))
            g = match.groups()
            current = (_seconds(g[0], g[1], g[2], g[3]), _seconds(g[4], g[5], g[6], g[7]))
            lines = []
            continue
        following = rows[index + 1] if index + 1 < len(rows) else ""
        if current is None or (raw.strip().isdigit() and _TIMING.match(following)):
            continue  # before the first cue, or the next cue's number
        stripped = " ".join(html.unescape(_TAGS.sub("", raw)).split())
        if stripped:
            lines.append(stripped)
    if current is not None:
        cues.append(Cue(current[0], current[1], tuple(lines)))
    return cues


def blank_targets(source: Sequence[Cue]) -> list[Cue]:
    """Target cues on the source's times with no text yet (what a translator fills in).

    Non-speech cues (``[MUSIC]``) are kept as they are: they need no translation.
    """
    return [c if is_audio_tag(c) else Cue(c.start, c.end, (), c.speaker, c.kind) for c in source]


def is_audio_tag(cue: Cue) -> bool:
    """Whether a cue is only a sound label such as ``[MUSIC]`` (built as one, or read from a file)."""
    return cue.kind == "sound" or (bool(cue.lines) and bool(_AUDIO_TAG.match(cue.text)))


def check_translation(source: Sequence[Cue], submitted: Sequence[Cue], style: CaptionStyle) -> list[str]:
    """Why a submitted translation cannot be delivered (empty list: it can).

    Checks: one cue for every source cue, each on its source cue's times, none empty, lines within
    the profile's length and count.
    """
    if not submitted:
        return ["the translation has no cues"]
    problems: list[str] = []
    if len(submitted) != len(source):
        problems.append(
            f"the translation has {len(submitted)} cues, the source has {len(source)}: "
            "keep exactly one translated cue for every source cue"
        )
    for index, (src, cue) in enumerate(zip(source, submitted, strict=False), start=1):
        if abs(cue.start - src.start) > TIME_TOLERANCE or abs(cue.end - src.end) > TIME_TOLERANCE:
            problems.append(
                f"cue {index} is at {cue.start:.3f}–{cue.end:.3f} s; its source cue is at "
                f"{src.start:.3f}–{src.end:.3f} s (keep the source timing)"
            )
    for index, cue in enumerate(submitted, start=1):
        if not cue.text.strip():
            problems.append(f"cue {index} has no text")
        for line in cue.lines:
            if len(line) > style.max_chars_per_line:
                problems.append(
                    f"cue {index}: a line has {len(line)} characters (the limit is {style.max_chars_per_line})"
                )
        if len(cue.lines) > style.max_lines:
            problems.append(f"cue {index} has {len(cue.lines)} lines (the limit is {style.max_lines})")
    if len(problems) > MAX_PROBLEMS:
        rest = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], f"... and {rest} more"]
    return problems

"""The description script: what is said in which speech pause, as a person reads and writes it.

A standard audio description speaks only in the pauses of the original speech. The script has one
line per pause, numbered from 1 in time order::

    # Pause 1, 0:03.1-0:07.9 (4.8 s): up to 10 words
    1: On screen: Northwind Campus Tour.
    # Pause 2, 0:12.0-0:14.2 (2.2 s): up to 4 words
    2:

Lines starting with ``#`` are notes and are ignored; a pause left empty stays quiet. Each
description must fit its pause at a natural speaking pace (:data:`WORDS_PER_SECOND`, with
:data:`PAUSE_MARGIN` of quiet kept at each end): :func:`check_script` says, in plain words, what
to fix. :func:`script_lines` turns an accepted script into the lines to synthesise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reachflow.audio.pauses import Pause
from reachflow.audio.tracks import ScriptLine
from reachflow.visual.describe import PAUSE_MARGIN, WORDS_PER_SECOND, Description, speaking_seconds

__all__ = [
    "ScriptProblem",
    "check_script",
    "clock",
    "machine_script",
    "max_words",
    "parse_script",
    "render_script",
    "room_seconds",
    "script_lines",
]

_LINE = re.compile(r"^\s*(\d+)\s*[:.)]\s*(.*)$")


@dataclass(frozen=True)
class ScriptProblem:
    """Why one line of a script cannot be spoken."""

    line: int  # 1-based line of the submitted text (0: the script as a whole)
    message: str


def clock(seconds: float) -> str:
    """``m:ss.s`` (``h:mm:ss.s`` past an hour), as a person reads a media time."""
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{rest:04.1f}" if hours else f"{minutes}:{rest:04.1f}"


def room_seconds(pause: Pause) -> float:
    """The speaking time a pause offers: its length less the quiet kept at each end."""
    return max(0.0, pause.duration - 2 * PAUSE_MARGIN)


def max_words(pause: Pause, words_per_second: float = WORDS_PER_SECOND) -> int:
    """How many words fit in ``pause`` at a natural pace."""
    return int(room_seconds(pause) * words_per_second + 1e-6)


def machine_script(pauses: Sequence[Pause], descriptions: Sequence[Description]) -> dict[int, str]:
    """The machine's descriptions by pause number (1-based): each goes to the pause that holds it."""
    by_pause: dict[int, list[str]] = {}
    for description in descriptions:
        for number, pause in enumerate(pauses, start=1):
            if pause.start - 1e-3 <= description.start < pause.end:
                by_pause.setdefault(number, []).append(description.text)
                break
    return {number: " ".join(texts) for number, texts in by_pause.items()}


def render_script(pauses: Sequence[Pause], texts: Mapping[int, str]) -> str:
    """The editable script: a note line and a numbered line per pause (empty where nothing is said)."""
    lines = [
        "# One line per pause: '<pause number>: <what to say>'. Leave a pause empty to say nothing there.",
    ]
    for number, pause in enumerate(pauses, start=1):
        lines.append(
            f"# Pause {number}, {clock(pause.start)}-{clock(pause.end)} ({pause.duration:.1f} s): "
            f"up to {max_words(pause)} words"
        )
        lines.append(f"{number}: {texts.get(number, '')}".rstrip())
    return "\n".join(lines) + "\n"


def parse_script(text: str) -> tuple[dict[int, str], list[ScriptProblem]]:
    """The descriptions by pause number, and the lines that could not be read."""
    found: dict[int, str] = {}
    problems: list[ScriptProblem] = []
    for index, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            problems.append(
                ScriptProblem(index, f"line {index} does not start with a pause number ('3: ...'): {line[:40]!r}")
            )
            continue
        number, said = int(match.group(1)), " ".join(match.group(2).split())
        if said and found.get(number):
            problems.append(ScriptProblem(index, f"pause {number} is written twice (line {index}): merge them"))
        elif said or number not in found:
            found[number] = said
    return found, problems


def check_script(pauses: Sequence[Pause], text: str, words_per_second: float = WORDS_PER_SECOND) -> list[str]:
    """What is wrong with a submitted script (empty when every description fits its pause).

    Example:
        >>> check_script([Pause(2.0, 4.0)], "1: On screen: the whole annual report of the company.")
        ['pause 1 (2.0 s) holds up to 3 words at a natural pace; its description has 9 words (3.6 s): shorten it']
    """
    found, problems = parse_script(text)
    messages = [p.message for p in problems]
    for number, said in sorted(found.items()):
        if not said:
            continue
        if not 1 <= number <= len(pauses):
            messages.append(f"there is no pause {number} (the pauses are numbered 1 to {len(pauses)})")
            continue
        pause = pauses[number - 1]
        words = len(said.split())
        if words > max_words(pause, words_per_second):
            messages.append(
                f"pause {number} ({pause.duration:.1f} s) holds up to {max_words(pause, words_per_second)} words "
                f"at a natural pace; its description has {words} words "
                f"({speaking_seconds(said, words_per_second):.1f} s): shorten it"
            )
    if not messages and not any(found.values()):
        messages.append("no description was written: write at least one")
    return messages


def script_lines(pauses: Sequence[Pause], texts: Mapping[int, str]) -> list[ScriptLine]:
    """The lines to speak: each description from its pause's start (after the quiet margin) to its end."""
    lines = []
    for number, said in sorted(texts.items()):
        if said.strip() and 1 <= number <= len(pauses):
            pause = pauses[number - 1]
            lines.append(ScriptLine(pause.start + PAUSE_MARGIN, pause.end - PAUSE_MARGIN, said.strip()))
    return lines

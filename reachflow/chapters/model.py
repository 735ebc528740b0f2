"""Chapters and the sentences they are made of, and the editable text a person corrects.

A chapter list is written for people as one line per chapter::

    00:00:00 | Photosynthesis | How plants turn sunlight into sugar.
    00:00:41.5 | Volcanoes | Why the ground melts and where the magma goes.

(start time ``HH:MM:SS[.mmm]`` or ``MM:SS``, title, description; ``|`` separates them). The same text
is the machine draft a person edits and what they submit; :func:`parse_chapter_list` reads it and
:func:`check_chapters` says what would stop it from being delivered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "MAX_TITLE_LENGTH",
    "Chapter",
    "ChapterListError",
    "Sentence",
    "check_chapters",
    "format_timestamp",
    "parse_chapter_list",
    "parse_timestamp",
    "render_chapter_list",
]

# KalturaThumbCuePoint::MAX_TITLE_LEN is 255 (longer titles are cut by the server); chapter titles
# a player shows in a menu are far shorter.
MAX_TITLE_LENGTH = 120
MAX_DESCRIPTION_LENGTH = 1000


@dataclass(frozen=True)
class Sentence:
    """A sentence of the transcript with its times in seconds."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Chapter:
    """One chapter: where it starts (seconds), its title and a one- or two-sentence description."""

    start: float
    title: str
    description: str

    @property
    def start_ms(self) -> int:
        """The start as Kaltura's cue point ``startTime`` (milliseconds)."""
        return round(self.start * 1000)


class ChapterListError(ValueError):
    """A chapter list line that cannot be read (the message names the line)."""


def format_timestamp(seconds: float) -> str:
    """``HH:MM:SS`` with milliseconds only when there are any, e.g. ``00:01:05.5``."""
    ms = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, millis = divmod(rest, 1000)
    text = f"{hours:02d}:{minutes:02d}:{whole:02d}"
    return f"{text}.{millis:03d}".rstrip("0") if millis else text


_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)$")


def parse_timestamp(text: str) -> float:
    """Seconds from ``HH:MM:SS[.mmm]``, ``MM:SS`` or plain seconds (``75.5``).

    Raises:
        ValueError: the text is not a time.
    """
    value = text.strip()
    if re.fullmatch(r"\d+(?:[.,]\d+)?", value):
        return float(value.replace(",", "."))
    match = _TIME.match(value)
    if not match:
        raise ValueError(f"“{value}” is not a time (use HH:MM:SS or MM:SS)")
    hours, minutes, seconds = match.group(1), match.group(2), match.group(3)
    if int(minutes) >= 60 or float(seconds.replace(",", ".")) >= 60:
        raise ValueError(f"“{value}” is not a time (minutes and seconds go up to 59)")
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds.replace(",", "."))


def render_chapter_list(chapters: list[Chapter]) -> str:
    """The editable text: one ``start | title | description`` line per chapter."""
    lines = []
    for chapter in chapters:
        title = " ".join(chapter.title.replace("|", "/").split())
        description = " ".join(chapter.description.replace("|", "/").split())
        lines.append(f"{format_timestamp(chapter.start)} | {title} | {description}")
    return "\n".join(lines) + ("\n" if lines else "")


def parse_chapter_list(text: str) -> list[Chapter]:
    """Chapters from the editable text (blank lines and lines starting with ``#`` are skipped).

    Raises:
        ChapterListError: a line has no ``|`` after its time or its time cannot be read.
    """
    chapters: list[Chapter] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|", 2)]
        if len(parts) < 2:
            raise ChapterListError(f"line {number}: write “start | title | description”, got “{line[:60]}”")
        try:
            start = parse_timestamp(parts[0])
        except ValueError as exc:
            raise ChapterListError(f"line {number}: {exc}") from None
        chapters.append(Chapter(start=start, title=parts[1], description=parts[2] if len(parts) > 2 else ""))
    return chapters


def check_chapters(chapters: list[Chapter], duration: float) -> list[str]:
    """What stops a chapter list from being delivered (empty when it can be).

    Rules: at least one chapter; the first starts at 0; start times increase and lie inside the
    media; every title is non-empty and at most :data:`MAX_TITLE_LENGTH` characters; descriptions
    at most :data:`MAX_DESCRIPTION_LENGTH` characters.
    """
    problems: list[str] = []
    if not chapters:
        return ["there are no chapters: write at least one line “00:00:00 | title | description”"]
    if chapters[0].start > 0.5:
        problems.append(
            f"the first chapter must start at 00:00:00 (it starts at {format_timestamp(chapters[0].start)})"
        )
    previous: float | None = None
    for number, chapter in enumerate(chapters, start=1):
        at = format_timestamp(chapter.start)
        if chapter.start < 0 or chapter.start >= duration:
            problems.append(f"chapter {number} starts at {at}, outside the media (0 to {format_timestamp(duration)})")
        if previous is not None and chapter.start <= previous:
            problems.append(f"chapter {number} starts at {at}, not after the chapter before it")
        previous = chapter.start
        if not chapter.title.strip():
            problems.append(f"chapter {number} ({at}) has no title")
        elif len(chapter.title) > MAX_TITLE_LENGTH:
            problems.append(f"chapter {number} ({at}) has a title longer than {MAX_TITLE_LENGTH} characters")
        if len(chapter.description) > MAX_DESCRIPTION_LENGTH:
            problems.append(
                f"chapter {number} ({at}) has a description longer than {MAX_DESCRIPTION_LENGTH} characters"
            )
    return problems

"""The caption core's values: timed words in, cues out, and the style the customer asked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["CaptionStyle", "Cue", "NonSpeech", "Word"]


@dataclass(frozen=True)
class Word:
    """A recognised word with its times in seconds (``speaker`` 1..N when known)."""

    start: float
    end: float
    text: str
    probability: float = 1.0
    speaker: int | None = None


@dataclass(frozen=True)
class NonSpeech:
    """A stretch of sound that is not speech, e.g. ``MUSIC``."""

    start: float
    end: float
    label: str = "MUSIC"


@dataclass(frozen=True)
class Cue:
    """One caption event: at most ``max_lines`` lines shown from ``start`` to ``end``."""

    start: float
    end: float
    lines: tuple[str, ...]
    speaker: int | None = None
    kind: Literal["speech", "sound"] = "speech"

    @property
    def text(self) -> str:
        return " ".join(self.lines)


@dataclass(frozen=True)
class CaptionStyle:
    """Caption rules (REACH profile + broadcast practice: 2 lines, 42 chars, 17 cps, 5/6–7 s)."""

    max_chars_per_line: int = 42
    max_lines: int = 2
    max_cps: float = 17.0
    min_duration: float = 5 / 6
    max_duration: float = 7.0
    speaker_ids: bool = False
    speaker_change: bool = False
    profanity: bool = False
    audio_tags: bool = False
    pause_split: float = 0.7
    extra: dict[str, str] = field(default_factory=dict)

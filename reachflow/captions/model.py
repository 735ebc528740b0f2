"""The caption core's values: timed words in, cues out, and the style the customer asked for.

All values are frozen dataclasses so they can be cached, pickled by Prefect and compared in tests.
Times are seconds (floats) from the start of the media.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CaptionStyle", "Cue", "CueKind", "NonSpeech", "Word"]

CueKind = Literal["speech", "sound"]


@dataclass(frozen=True)
class Word:
    """A recognised word with its times in seconds.

    Attributes:
        start: When the word starts.
        end: When it ends (``>= start``).
        text: The word as it should be shown, with its punctuation attached ("Hello,").
        probability: The engine's confidence, 0–1 (becomes ``a`` 0–100 in the JSON transcript).
        speaker: Any id of the voice (diarization output); cues number speakers 1..N in order of
            appearance, so the raw ids need not be 1-based or dense. ``None``: unknown.
    """

    start: float
    end: float
    text: str
    probability: float = 1.0
    speaker: int | None = None


@dataclass(frozen=True)
class NonSpeech:
    """A stretch of sound that is not speech, shown as ``[LABEL]`` when audio tags are on.

    Attributes:
        start: Start in seconds.
        end: End in seconds.
        label: What is heard, e.g. ``MUSIC``, ``APPLAUSE``, ``NOISE`` (case and brackets free).
    """

    start: float
    end: float
    label: str = "MUSIC"


@dataclass(frozen=True)
class Cue:
    """One caption event: ``lines`` shown from ``start`` to ``end``.

    Attributes:
        start: Start in seconds (milliseconds precision once built by :func:`build_cues`).
        end: End in seconds (``> start``).
        lines: The visible lines, labels (``[Speaker 1]``, ``>>``) included.
        speaker: The speaker number shown to viewers (1-based, order of appearance), when known.
        kind: ``"speech"`` or ``"sound"`` (an audio tag such as ``[MUSIC]``).
    """

    start: float
    end: float
    lines: tuple[str, ...]
    speaker: int | None = None
    kind: CueKind = "speech"

    @property
    def text(self) -> str:
        """The lines joined by spaces (what a reader reads, used for characters per second)."""
        return " ".join(self.lines)

    @property
    def duration(self) -> float:
        """Seconds on screen."""
        return self.end - self.start


@dataclass(frozen=True)
class CaptionStyle:
    """Caption rules: the REACH profile's options plus broadcast practice.

    Defaults follow the Netflix English template (2 lines of 42 characters, 17 characters per
    second, events of 5/6 s to 7 s); the profile's ``maxCharactersPerCaptionLine`` replaces 42.

    Attributes:
        max_chars_per_line: Longest line, labels included (a single longer word stands alone).
        max_lines: Lines per cue.
        max_cps: Reading rate to respect where the silence after a cue allows.
        min_duration: Shortest event, reached by extending into the following silence.
        max_duration: Longest event; longer speech is split.
        min_gap: Silence kept between an extended cue and the next one (Netflix asks 2 frames,
            about 0.083 s; 0 lets a cue run up to the next).
        pause_break: A pause between words at least this long is a good place for a break.
        hard_pause: A pause at least this long always ends the cue, so text never appears long
            before it is spoken (BBC: no more than 1.5 s early).
        speaker_ids: ``enableSpeakerId``: ``[Speaker N] `` when the speaker changes.
        speaker_change: ``enableSpeakerChangeIndication``: ``>> `` at each change of voice.
        profanity: ``enableProfanityRemoval``: mask profane words.
        audio_tags: ``enableAudioTags``: ``[MUSIC]``-style cues for non-speech sound.
    """

    max_chars_per_line: int = 42
    max_lines: int = 2
    max_cps: float = 17.0
    min_duration: float = 5 / 6
    max_duration: float = 7.0
    min_gap: float = 0.0
    pause_break: float = 0.5
    hard_pause: float = 1.5
    speaker_ids: bool = False
    speaker_change: bool = False
    profanity: bool = False
    audio_tags: bool = False

    def __post_init__(self) -> None:
        if self.max_chars_per_line < 1 or self.max_lines < 1:
            raise ValueError("max_chars_per_line and max_lines must be at least 1")
        if not 0 < self.min_duration <= self.max_duration:
            raise ValueError("need 0 < min_duration <= max_duration")
        if self.max_cps <= 0 or self.min_gap < 0:
            raise ValueError("max_cps must be positive and min_gap not negative")

    @property
    def marks_speakers(self) -> bool:
        """Whether a change of speaker must start a new cue."""
        return self.speaker_ids or self.speaker_change

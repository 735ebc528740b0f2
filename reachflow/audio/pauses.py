"""Speech pauses: the stretches without speech, long enough for an audio description.

Speech comes from Silero VAD (the model faster-whisper ships, through
:func:`reachflow.asr.faster.speech_regions`), read in one-minute blocks so hours of audio stay in
bounded memory. VAD pads each speech region by about 0.4 s on both sides, so a pause it reports
is a little shorter than the silence really is: a description placed in it does not touch speech.
A transcript's word times work too (:func:`find_pauses` takes any speech regions).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reachflow.asr.base import SAMPLE_RATE, iter_wav_blocks, wav_info
from reachflow.ffmpeg import run_ffmpeg

__all__ = ["MIN_PAUSE", "Pause", "extract_speech_wav", "find_pauses", "speech_pauses"]

MIN_PAUSE = 2.0


@dataclass(frozen=True)
class Pause:
    """A stretch without speech, in seconds from the media's start."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start


def extract_speech_wav(media: str | os.PathLike[str], out: str | os.PathLike[str]) -> Path:
    """The media's audio as the 16 kHz mono 16-bit WAV that VAD and recognition read."""
    dst = Path(out)
    run_ffmpeg(["-i", os.fspath(media), "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le", str(dst)])
    return dst


def find_pauses(speech: Iterable[tuple[float, float]], duration: float, *, min_pause: float = MIN_PAUSE) -> list[Pause]:
    """The gaps of at least ``min_pause`` seconds between ``speech`` regions within ``[0, duration]``.

    Example:
        >>> find_pauses([(1.0, 3.0), (6.0, 7.0)], 10.0)
        [Pause(start=3.0, end=6.0), Pause(start=7.0, end=10.0)]
    """
    pauses: list[Pause] = []
    cursor = 0.0
    for start, end in sorted(speech):
        start, end = max(0.0, start), min(duration, end)
        if start - cursor >= min_pause:
            pauses.append(Pause(round(cursor, 3), round(start, 3)))
        cursor = max(cursor, end)
    if duration - cursor >= min_pause:
        pauses.append(Pause(round(cursor, 3), round(duration, 3)))
    return pauses


def speech_pauses(wav: str | os.PathLike[str], *, min_pause: float = MIN_PAUSE) -> list[Pause]:
    """Pauses of at least ``min_pause`` seconds in a 16 kHz mono WAV, from voice activity.

    Raises:
        MediaError: the file is not a 16 kHz mono 16-bit WAV.
    """
    from reachflow.asr.faster import speech_regions

    duration = wav_info(wav).duration
    regions: list[tuple[float, float]] = []
    for offset, samples in iter_wav_blocks(wav, 60.0):
        regions.extend(speech_regions(samples, offset))
    return find_pauses(regions, duration, min_pause=min_pause)

"""The speech-synthesis interface every voice implements, and the audio it returns."""

from __future__ import annotations

import os
import re
import wave
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["Speech", "Voice", "split_sentences", "trim_silence"]


@dataclass(frozen=True)
class Speech:
    """Synthesised speech: mono float32 samples in [-1, 1] at ``sample_rate``."""

    samples: np.ndarray
    sample_rate: int

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / float(self.sample_rate)

    def write_wav(self, path: str | os.PathLike[str]) -> None:
        """Write a 16-bit mono WAV file."""
        pcm = (np.clip(self.samples, -1.0, 1.0) * 32767.0).astype("<i2")
        with wave.open(os.fspath(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(pcm.tobytes())


@runtime_checkable
class Voice(Protocol):
    """One offline voice for one language.

    Attributes:
        name: a stable identifier for reports ("kokoro:jm_kumo:es", "espeak-ng:fr-fr").
        engine: "kokoro", "hibari", "piper" or "espeak-ng".
        language: the ISO 639-1 code it speaks.
        quality: "neural" or "robotic" (shown to operators and in job reports).
    """

    name: str
    engine: str
    language: str
    quality: str

    def synthesize(self, text: str, *, speed: float = 1.0) -> Speech:
        """Speak ``text`` at ``speed`` (1.0 = the voice's natural pace); leading and trailing silence trimmed."""
        ...


_SENTENCE_END = re.compile(r"(?<=[.!?…;:。！？])\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (split after end punctuation), blank ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def trim_silence(samples: np.ndarray, sample_rate: int, threshold: float = 0.01, pad: float = 0.03) -> np.ndarray:
    """``samples`` without leading and trailing silence (keeping ``pad`` seconds each side)."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if len(loud) == 0:
        return samples[:0]
    margin = int(pad * sample_rate)
    return samples[max(0, int(loud[0]) - margin) : int(loud[-1]) + margin + 1]

"""Silence, music and noise: what the audio holds where nobody speaks.

Three questions, answered from Silero VAD (speech) and frame energy (sound), reading the WAV in
60 s blocks:

- Is the media silent? No speech *and* nothing above -60 dBFS RMS for at least a second →
  :class:`MediaError` "media has no audible sound" (the customer uploaded a silent track).
- Does it hold sound but no speech (music only, noise)? That is a different finding: the flow
  decides whether to deliver empty captions or fail; :func:`classify_audio` tells them apart.
- Where are the stretches of sound without speech, for ``[MUSIC]``-style tags? Tonal sound
  (a few strong spectral peaks: low spectral flatness) is labelled ``MUSIC``, the rest ``NOISE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from reachflow.asr.base import SAMPLE_RATE, AudioSource, iter_wav_blocks
from reachflow.errors import MediaError

__all__ = [
    "AudioProfile",
    "NonSpeechRegion",
    "classify_audio",
    "detect_non_speech",
    "ensure_audible",
    "profile_audio",
]

_FRAME = 0.05  # seconds per energy frame
_SOUND_DBFS = -60.0  # quieter than this is silence (16-bit dither sits near -90)
_MUSIC_FLATNESS = 0.2  # geometric/arithmetic mean of the spectrum; tones ≪ 0.2, white noise ≈ 0.5+


@dataclass(frozen=True)
class NonSpeechRegion:
    """Sound without speech, ``label`` ``MUSIC`` or ``NOISE`` (tag text without brackets)."""

    start: float
    end: float
    label: str


@dataclass(frozen=True)
class AudioProfile:
    """Per-file facts: duration, speech regions, and per-frame level and flatness."""

    duration: float
    speech: list[tuple[float, float]]
    level_dbfs: np.ndarray  # one value per 50 ms frame
    flatness: np.ndarray

    @property
    def speech_seconds(self) -> float:
        return sum(e - s for s, e in self.speech)

    @property
    def sound_seconds(self) -> float:
        return float(np.sum(self.level_dbfs > _SOUND_DBFS) * _FRAME)


def profile_audio(wav_path: AudioSource) -> AudioProfile:
    """VAD speech regions plus 50 ms frame levels (dBFS) and spectral flatness, in one pass."""
    from reachflow.asr.faster import speech_regions

    hop = int(_FRAME * SAMPLE_RATE)
    speech: list[tuple[float, float]] = []
    levels: list[np.ndarray] = []
    flats: list[np.ndarray] = []
    duration = 0.0
    for start, block in iter_wav_blocks(wav_path, 60.0):
        duration = start + len(block) / SAMPLE_RATE
        speech.extend(speech_regions(block, start))
        n = len(block) // hop
        if n == 0:
            continue
        frames = block[: n * hop].reshape(n, hop).astype(np.float64)
        rms = np.sqrt(np.mean(frames**2, axis=1) + 1e-20)
        levels.append(20 * np.log10(rms))
        spectrum = np.abs(np.fft.rfft(frames * np.hanning(hop), axis=1)) ** 2 + 1e-20
        flats.append(np.exp(np.mean(np.log(spectrum), axis=1)) / np.mean(spectrum, axis=1))
    # VAD regions from neighbouring blocks touch at the block edge: join them.
    joined: list[tuple[float, float]] = []
    for s, e in speech:
        if joined and s - joined[-1][1] < 0.05:
            joined[-1] = (joined[-1][0], e)
        else:
            joined.append((s, e))
    return AudioProfile(
        duration=duration,
        speech=joined,
        level_dbfs=np.concatenate(levels) if levels else np.zeros(0),
        flatness=np.concatenate(flats) if flats else np.zeros(0),
    )


def classify_audio(
    wav_path: AudioSource | AudioProfile, *, min_sound_seconds: float = 1.0
) -> Literal["silent", "no_speech", "speech"]:
    """``silent`` (nothing audible), ``no_speech`` (sound, but no speech) or ``speech``."""
    profile = wav_path if isinstance(wav_path, AudioProfile) else profile_audio(wav_path)
    if profile.speech_seconds >= 0.5:
        return "speech"
    if profile.sound_seconds < min_sound_seconds:
        return "silent"
    return "no_speech"


def ensure_audible(wav_path: AudioSource | AudioProfile) -> AudioProfile:
    """The audio's profile, or :class:`MediaError` when the media is silent.

    Raises:
        MediaError: "media has no audible sound".
    """
    profile = wav_path if isinstance(wav_path, AudioProfile) else profile_audio(wav_path)
    if classify_audio(profile) == "silent":
        raise MediaError("media has no audible sound")
    return profile


def _bounds(word: Any) -> tuple[float, float]:
    if isinstance(word, tuple | list):
        return float(word[0]), float(word[1])
    return float(word.start), float(word.end)


def detect_non_speech(
    wav_path: AudioSource | AudioProfile,
    words: Sequence[Any] = (),
    *,
    min_seconds: float = 2.0,
) -> list[NonSpeechRegion]:
    """Stretches of at least ``min_seconds`` with sound but no speech and no recognised words.

    Args:
        wav_path: the 16 kHz mono WAV (or its :class:`AudioProfile`).
        words: recognised words (``(start, end)`` or objects with ``.start``/``.end``); time they
            cover is speech even where VAD missed it.
        min_seconds: shortest region worth a tag (shorter sounds would flicker on screen).
    """
    profile = wav_path if isinstance(wav_path, AudioProfile) else profile_audio(wav_path)
    n = len(profile.level_dbfs)
    if n == 0:
        return []
    centres = (np.arange(n) + 0.5) * _FRAME
    busy = np.zeros(n, bool)
    for s, e in [*profile.speech, *(_bounds(w) for w in words)]:
        busy |= (centres >= s - 0.2) & (centres <= e + 0.2)
    sound = (profile.level_dbfs > _SOUND_DBFS) & ~busy
    regions: list[NonSpeechRegion] = []
    i = 0
    while i < n:
        if not sound[i]:
            i += 1
            continue
        j = i
        # Bridge short dips (a beat's decay) so a song is one region, not dozens.
        while j < n and (sound[j] or (j + 6 < n and sound[j : j + 6].any() and not busy[j])):
            j += 1
        if (j - i) * _FRAME >= min_seconds:
            flat = float(np.median(profile.flatness[i:j][sound[i:j]]))
            label = "MUSIC" if flat < _MUSIC_FLATNESS else "NOISE"
            regions.append(NonSpeechRegion(round(i * _FRAME, 3), round(j * _FRAME, 3), label))
        i = j
    return regions

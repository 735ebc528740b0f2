"""Silent media, sound without speech, and [MUSIC]/[NOISE] regions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reachflow.asr.nonspeech import classify_audio, detect_non_speech, ensure_audible
from reachflow.asr.synthetic import concatenate, synthesize, tone, write_wav
from reachflow.errors import MediaError


def test_silent_media_is_a_media_error(speech_dir: Path) -> None:
    # Near-silence: 16-bit dither-level noise, as a muted track decodes.
    hiss = np.random.default_rng(0).normal(0, 3e-5, 16_000 * 8).astype(np.float32)
    path = write_wav(speech_dir / "silent.wav", hiss)
    assert classify_audio(path) == "silent"
    with pytest.raises(MediaError, match="media has no audible sound"):
        ensure_audible(path)


def test_music_only_is_no_speech_not_silence(speech_dir: Path) -> None:
    path = write_wav(speech_dir / "music_only.wav", tone(8.0))
    assert classify_audio(path) == "no_speech"
    ensure_audible(path)  # audible: not a silent-media error
    assert [r.label for r in detect_non_speech(path)] == ["MUSIC"]


def test_music_and_noise_between_speech_are_tagged(speech_dir: Path) -> None:
    a = synthesize("Welcome back to the show.", speech_dir / "ns_a.wav", "en")
    b = synthesize("And now the weather.", speech_dir / "ns_b.wav", "en")
    noise = np.random.default_rng(1).normal(0, 0.05, 16_000 * 4).astype(np.float32)
    path, spans = concatenate([a, tone(6.0), b, noise, a], speech_dir / "ns_mix.wav", 0.5)
    assert classify_audio(path) == "speech"
    regions = detect_non_speech(path)
    assert [r.label for r in regions] == ["MUSIC", "NOISE"]
    for region, (start, end) in zip(regions, [spans[1], spans[3]], strict=True):
        assert abs(region.start - start) <= 0.5 and abs(region.end - end) <= 0.5

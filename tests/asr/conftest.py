"""Session fixtures for recognition tests: speech made once with espeak-ng / Piper, models loaded once.

Everything is real: real TTS, real faster-whisper models from site-packages, real VAD. The clips
live in the session folder, so a whole run synthesises each one once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reachflow.asr.base import read_wav
from reachflow.asr.faster import FasterWhisperEngine
from reachflow.asr.synthetic import ENGLISH_SENTENCES, concatenate, piper_available, synthesize, write_wav


@pytest.fixture(scope="session")
def speech_dir(session_dir: Path) -> Path:
    path = session_dir / "speech"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def models_dir(session_dir: Path) -> Path:
    return session_dir / "reachflow" / "models"


@pytest.fixture(scope="session")
def tiny(models_dir: Path) -> FasterWhisperEngine:
    return FasterWhisperEngine("tiny.en", cpu_threads=2, models_dir=models_dir)


@pytest.fixture(scope="session")
def base(models_dir: Path) -> FasterWhisperEngine:
    return FasterWhisperEngine("base", cpu_threads=2, models_dir=models_dir)


def _clip(speech_dir: Path, name: str, sentences: tuple[str, ...] | list[str], voice: str, gap: float = 0.5) -> Path:
    out = speech_dir / f"{name}.wav"
    if not out.exists():
        parts = [synthesize(s, speech_dir / f"{name}_{i}.wav", voice) for i, s in enumerate(sentences)]
        concatenate(parts, out, gap)
    return out


@pytest.fixture(scope="session")
def quality_voice() -> str:
    """Piper joe when installed (tiny.en WER ≈5 % in the notes), else espeak (≈15–19 %)."""
    return "piper:joe" if piper_available() else "en"


@pytest.fixture(scope="session")
def english_clip(speech_dir: Path, quality_voice: str) -> tuple[Path, str]:
    """About 25 s of clean English with its text."""
    sentences = ENGLISH_SENTENCES[9:15]
    return _clip(speech_dir, "english", sentences, quality_voice), " ".join(sentences)


@pytest.fixture(scope="session")
def noisy_english_clip(speech_dir: Path, english_clip: tuple[Path, str]) -> tuple[Path, str]:
    """The same clip with white noise at 0 dB SNR."""
    path, text = english_clip
    out = speech_dir / "english_noisy.wav"
    if not out.exists():
        samples = read_wav(path)
        power = float(np.mean(samples**2))
        noise = np.random.default_rng(3).normal(0.0, np.sqrt(power), len(samples)).astype(np.float32)
        write_wav(out, samples + noise)
    return out, text


@pytest.fixture(scope="session")
def long_clip(speech_dir: Path, quality_voice: str) -> tuple[Path, str]:
    """About 60 s of English, for windowed vs one-pass recognition."""
    sentences = ENGLISH_SENTENCES[20:34]
    return _clip(speech_dir, "long", sentences, quality_voice, gap=0.6), " ".join(sentences)


@pytest.fixture(scope="session")
def prompt_drop_clip(speech_dir: Path) -> tuple[Path, str]:
    """85 s of espeak en+f3, on which tiny.en with the dictionary prompt skips sentences 3–7."""
    sentences = ENGLISH_SENTENCES[:20]
    return _clip(speech_dir, "prompt_drop", sentences, "en+f3"), " ".join(sentences)


@pytest.fixture(scope="session")
def clip_factory(speech_dir: Path):  # type: ignore[no-untyped-def]
    def make(name: str, sentences: list[str] | tuple[str, ...], voice: str, gap: float = 0.5) -> Path:
        return _clip(speech_dir, name, sentences, voice, gap)

    return make

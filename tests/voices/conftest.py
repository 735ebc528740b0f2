"""Recognition engines for round trips, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from reachflow.asr.faster import FasterWhisperEngine


@pytest.fixture(scope="session")
def voices_models_dir(session_dir: Path) -> Path:
    return session_dir / "reachflow" / "models"


@pytest.fixture(scope="session")
def whisper_base(voices_models_dir: Path) -> FasterWhisperEngine:
    """Multilingual Whisper base (greedy, no guard): the judge of synthesised speech."""
    return FasterWhisperEngine("base", cpu_threads=2, beam_size=1, guard=False, models_dir=voices_models_dir)

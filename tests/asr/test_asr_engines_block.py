"""The SpeechEngineSettings block builds the right engine per language (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocks.engines import SpeechEngineSettings
from reachflow.asr.faster import FasterWhisperEngine
from reachflow.asr.models import ModelUnavailable


def test_english_gets_tiny_en_and_others_get_base(models_dir: Path) -> None:
    settings = SpeechEngineSettings(model_cache_dir=str(models_dir), cpu_threads=2, beam_size=3)
    english = settings.build_engine("en-US")
    spanish = settings.build_engine("es")
    assert isinstance(english, FasterWhisperEngine) and english.model_name == "tiny.en"
    assert isinstance(spanish, FasterWhisperEngine) and spanish.model_name == "base" and spanish.multilingual
    assert english.beam_size == 3 and english.cpu_threads == 2
    assert settings.build_language_engine().multilingual


def test_per_language_override_and_openai_without_weights(models_dir: Path, tmp_path: Path) -> None:
    settings = SpeechEngineSettings(
        model_cache_dir=str(models_dir),
        per_language={"en": "faster-whisper:base", "de": "openai-whisper:base"},
        openai_weights_path=str(tmp_path / "none.pt"),
    )
    assert settings.build_engine("en").model_name == "base"
    with pytest.raises(ModelUnavailable, match="openai-whisper"):
        settings.build_engine("de")

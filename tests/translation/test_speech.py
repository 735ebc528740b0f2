"""Whisper speech→English: Spanish speech (espeak-ng) comes out as English words with times."""

from __future__ import annotations

from pathlib import Path

import pytest

from reachflow.asr.base import wav_info
from reachflow.asr.synthetic import synthesize
from reachflow.errors import NoTranslationEngine
from reachflow.translation.speech import translate_speech_to_english
from tests.translation.helpers import function_word_share

SPANISH = (
    "Buenos días a todos y bienvenidos. La reunión empieza a las tres de la tarde en la sala principal. "
    "Por favor, suban los videos a la plataforma antes del viernes. Los estudiantes pidieron subtítulos."
)


@pytest.fixture(scope="module")
def spanish_clip(session_dir: Path) -> Path:
    folder = session_dir / "translation"
    folder.mkdir(parents=True, exist_ok=True)
    return synthesize(SPANISH, folder / "spanish.wav", "es")


def test_spanish_speech_becomes_english_words_with_times(spanish_clip: Path, session_dir: Path) -> None:
    words = translate_speech_to_english(
        spanish_clip, "es", models_dir=session_dir / "reachflow" / "models", cpu_threads=2
    )
    text = " ".join(w.text for w in words)
    assert len(words) >= 15, text
    assert function_word_share(text, "en") > 0.15, text
    lowered = text.lower()
    assert "welcome" in lowered and "platform" in lowered, text
    assert "bienvenidos" not in lowered and "reunión" not in lowered, text
    duration = wav_info(spanish_clip).duration
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    assert all(0.0 <= w.start <= w.end <= duration + 0.5 for w in words)


def test_the_dictionary_steers_names(session_dir: Path) -> None:
    """Without the dictionary base wrote "Caldura" and "Reache" for this clip; with it, Kaltura and REACH."""
    folder = session_dir / "translation"
    folder.mkdir(parents=True, exist_ok=True)
    clip = synthesize(
        "Bienvenidos a Kaltura. Hoy hablamos de la plataforma de Kaltura y del servicio REACH.", folder / "k.wav", "es"
    )
    words = translate_speech_to_english(
        clip, "es", models_dir=session_dir / "reachflow" / "models", cpu_threads=2, dictionary=["Kaltura", "REACH"]
    )
    text = " ".join(w.text for w in words)
    assert "Kaltura" in text and "REACH" in text, text
    assert "platform" in text.lower(), text


def test_a_language_whisper_translation_does_not_offer() -> None:
    with pytest.raises(NoTranslationEngine) as raised:
        translate_speech_to_english(Path("/nonexistent.wav"), "ja")
    assert raised.value.err_description == "no machine translation engine for Japanese→English"

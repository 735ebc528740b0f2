"""Speech recognition: engines behind one interface, models, language ID, accuracy.

See :mod:`reachflow.asr.base` for the interface; :mod:`reachflow.asr.faster` for the default
engine (faster-whisper with tiny.en / multilingual base); :mod:`reachflow.asr.openai_engine` for
the second engine; :mod:`reachflow.asr.language` for spoken-language identification and the
ordered-language check; :mod:`reachflow.asr.accuracy` for the calibrated accuracy estimate;
:mod:`reachflow.asr.nonspeech` for silence, music and noise.
"""

from __future__ import annotations

from reachflow.asr.base import (
    AudioSource,
    ProgressCallback,
    RecognizedSegment,
    RecognizedWord,
    SpeechEngine,
    Transcript,
)
from reachflow.asr.models import ModelUnavailable

__all__ = [
    "AudioSource",
    "ModelUnavailable",
    "ProgressCallback",
    "RecognizedSegment",
    "RecognizedWord",
    "SpeechEngine",
    "Transcript",
]

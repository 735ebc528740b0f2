"""Speech synthesis behind one interface, chosen per language (offline; no network).

:func:`voice_for` picks the voice for an ISO 639-1 code (Kokoro-82M for es/de/fr/it/pt, Hibari or
Piper for English, espeak-ng for every other language it speaks); :func:`require_voice` raises
:class:`~reachflow.errors.NoVoice` when none does. Every voice returns :class:`Speech` (mono float32
samples, trimmed of leading and trailing silence).
"""

from __future__ import annotations

from reachflow.voices.base import Speech, Voice, split_sentences
from reachflow.voices.registry import dubbing_speed, normalize_language, require_voice, served_voices, voice_for

__all__ = [
    "Speech",
    "Voice",
    "dubbing_speed",
    "normalize_language",
    "require_voice",
    "served_voices",
    "split_sentences",
    "voice_for",
]

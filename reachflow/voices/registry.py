"""Which voice speaks which language: one place that decides, per ISO 639-1 code.

Order of preference (measured in shared/notes/offline-engines.md §2 and tests/voices):

* English: Hibari (bundled ``heart``, neural, ~29x real time), else Piper ``joe``, else espeak-ng.
* Spanish, German, French, Italian, Portuguese: Kokoro-82M with espeak-ng phonemes (neural).
* Every other language espeak-ng has a voice for: espeak-ng (robotic, intelligible).
* Anything else: no voice (:func:`require_voice` raises :class:`~reachflow.errors.NoVoice`).
"""

from __future__ import annotations

import functools

from reachflow.errors import NoVoice
from reachflow.voices.base import Voice
from reachflow.voices.english import HibariVoice, PiperVoice, hibari_available, piper_available
from reachflow.voices.espeak import EspeakVoice, espeak_languages, espeak_voice_name
from reachflow.voices.kokoro import KOKORO_LANGUAGES, KokoroVoice, kokoro_available

__all__ = ["dubbing_speed", "normalize_language", "require_voice", "served_voices", "voice_for"]

# Kokoro's pace (its ``speed`` input) for a dub, per language. At 1.0 the (Japanese) jm_kumo style
# speaks Spanish at 4.5 syllables a second, well below natural read Spanish (about 7.8, Pellegrino
# et al. 2011), and a dub of an English speaker then runs 1.4x the cues' time. At 1.3 it speaks 5.5
# syllables a second (durations x0.81) with the same word error rate through Whisper base (0.028
# vs 0.032 on six dub lines, measured 2026-12-01); the fitting's at most 1.3x comes on top, so the
# fastest line is about 7.2 syllables a second, still within natural Spanish.
_KOKORO_DUBBING_SPEED = {"es": 1.3}


def normalize_language(code: str) -> str:
    """``"es-419"``/``"pt_BR"``/``"EN"`` → the base ISO 639-1 code (``"es"``, ``"pt"``, ``"en"``)."""
    base = code.replace("_", "-").split("-")[0].strip().lower()
    return {"iw": "he", "nb": "no", "nn": "no", "in": "id"}.get(base, base)


@functools.cache
def voice_for(language_code: str) -> Voice | None:
    """The best installed voice for ``language_code`` (ISO 639-1, a regional suffix is ignored), or None.

    Example:
        >>> voice_for("es").engine
        'kokoro'
        >>> voice_for("tlh") is None
        True
    """
    code = normalize_language(language_code)
    if not code:
        return None
    if code == "en":
        if hibari_available():
            return HibariVoice()
        if piper_available():
            return PiperVoice()
    if code in KOKORO_LANGUAGES and kokoro_available() and espeak_voice_name(code) is not None:
        return KokoroVoice(code)
    if espeak_voice_name(code) is not None:
        return EspeakVoice(code)
    return None


def require_voice(language_code: str, language_name: str | None = None) -> Voice:
    """:func:`voice_for`, or :class:`NoVoice` naming the language (the job's errDescription).

    Raises:
        NoVoice: no installed voice speaks the language.
    """
    voice = voice_for(language_code)
    if voice is None:
        raise NoVoice(language_name or language_code, normalize_language(language_code) or None)
    return voice


def served_voices() -> dict[str, Voice]:
    """Every language (ISO 639-1) some installed voice speaks, with that voice."""
    codes = {normalize_language(name) for name in espeak_languages()}
    codes.update({"en", *KOKORO_LANGUAGES})
    served: dict[str, Voice] = {}
    for code in sorted(codes):
        voice = voice_for(code)
        if voice is not None and len(code) in (2, 3):
            served[code] = voice
    return served


def dubbing_speed(voice: Voice) -> float:
    """The pace (the voice's ``speed``) a dub is spoken at: the voice's natural pace for dialogue.

    Example:
        >>> dubbing_speed(EspeakVoice("ca"))
        1.0
    """
    if voice.engine == "kokoro":
        return _KOKORO_DUBBING_SPEED.get(voice.language, 1.0)
    return 1.0

"""Spoken-language identification with multilingual Whisper base, and the ordered-language check.

Never from tiny.en: on Spanish speech it wrote fluent English ("Thank you very much for
watching…", shared/notes/asr-quality.md §6), and its confidence on those outros overlapped the
worst English clips. Base identified 120/120 English clips; its probability on robotic English
was as low as 0.36 with top-1 still right, and one Spanish clip came out Italian (0.81, es 0.08).
So :func:`check_language` fails a job only when the ordered language is clearly *not* spoken:
the top language is confident and the ordered one is far behind, on enough speech.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from reachflow.asr.base import SAMPLE_RATE, AudioSource, read_wav, wav_info
from reachflow.errors import LanguageMismatch

__all__ = [
    "LANGUAGE_NAMES",
    "LanguageGuess",
    "check_language",
    "identify_language",
    "language_name",
]

# Whisper's languages (ISO 639-1 where one exists), with English names for messages.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "zh": "Chinese",
    "de": "German",
    "es": "Spanish",
    "ru": "Russian",
    "ko": "Korean",
    "fr": "French",
    "ja": "Japanese",
    "pt": "Portuguese",
    "tr": "Turkish",
    "pl": "Polish",
    "ca": "Catalan",
    "nl": "Dutch",
    "ar": "Arabic",
    "sv": "Swedish",
    "it": "Italian",
    "id": "Indonesian",
    "hi": "Hindi",
    "fi": "Finnish",
    "vi": "Vietnamese",
    "he": "Hebrew",
    "uk": "Ukrainian",
    "el": "Greek",
    "ms": "Malay",
    "cs": "Czech",
    "ro": "Romanian",
    "da": "Danish",
    "hu": "Hungarian",
    "ta": "Tamil",
    "no": "Norwegian",
    "th": "Thai",
    "ur": "Urdu",
    "hr": "Croatian",
    "bg": "Bulgarian",
    "lt": "Lithuanian",
    "la": "Latin",
    "mi": "Maori",
    "ml": "Malayalam",
    "cy": "Welsh",
    "sk": "Slovak",
    "te": "Telugu",
    "fa": "Persian",
    "lv": "Latvian",
    "bn": "Bengali",
    "sr": "Serbian",
    "az": "Azerbaijani",
    "sl": "Slovenian",
    "kn": "Kannada",
    "et": "Estonian",
    "mk": "Macedonian",
    "br": "Breton",
    "eu": "Basque",
    "is": "Icelandic",
    "hy": "Armenian",
    "ne": "Nepali",
    "mn": "Mongolian",
    "bs": "Bosnian",
    "kk": "Kazakh",
    "sq": "Albanian",
    "sw": "Swahili",
    "gl": "Galician",
    "mr": "Marathi",
    "pa": "Punjabi",
    "si": "Sinhala",
    "km": "Khmer",
    "sn": "Shona",
    "yo": "Yoruba",
    "so": "Somali",
    "af": "Afrikaans",
    "oc": "Occitan",
    "ka": "Georgian",
    "be": "Belarusian",
    "tg": "Tajik",
    "sd": "Sindhi",
    "gu": "Gujarati",
    "am": "Amharic",
    "yi": "Yiddish",
    "lo": "Lao",
    "uz": "Uzbek",
    "fo": "Faroese",
    "ht": "Haitian Creole",
    "ps": "Pashto",
    "tk": "Turkmen",
    "nn": "Nynorsk",
    "mt": "Maltese",
    "sa": "Sanskrit",
    "lb": "Luxembourgish",
    "my": "Myanmar",
    "bo": "Tibetan",
    "tl": "Tagalog",
    "mg": "Malagasy",
    "as": "Assamese",
    "tt": "Tatar",
    "haw": "Hawaiian",
    "ln": "Lingala",
    "ha": "Hausa",
    "ba": "Bashkir",
    "jw": "Javanese",
    "su": "Sundanese",
    "yue": "Cantonese",
}

# Codes customers send that Whisper spells differently.
_ALIASES = {"iw": "he", "jv": "jw", "nb": "no", "fil": "tl", "in": "id", "ji": "yi"}
# Languages Whisper routinely confuses with each other on short or robotic speech: a guess in
# the same family as the order is never a mismatch (es→it was seen here; no/nn, bs/hr/sr are
# the same language for captioning purposes).
_CLOSE = [{"no", "nn"}, {"bs", "hr", "sr"}, {"zh", "yue"}, {"ms", "id"}, {"es", "gl", "ca", "it", "pt"}]


def _code(language: str) -> str:
    code = language.replace("_", "-").split("-")[0].strip().lower()
    return _ALIASES.get(code, code)


def language_name(code: str) -> str:
    """English name of an ISO code ("es" → "Spanish"); the code itself when unknown."""
    return LANGUAGE_NAMES.get(_code(code), code)


@dataclass(frozen=True)
class LanguageGuess:
    """What the multilingual model heard.

    Attributes:
        code: the most likely language ("" when there was too little speech to tell).
        probability: its probability, averaged over the sampled windows.
        speech_seconds: how much speech the guess rests on.
        ranked: the top languages with their probabilities.
    """

    code: str
    probability: float
    speech_seconds: float = 0.0
    ranked: list[tuple[str, float]] = field(default_factory=list)

    def probability_of(self, language: str) -> float:
        code = _code(language)
        return next((p for c, p in self.ranked if c == code), 0.0)


class _LanguageDetector(Protocol):
    def detect_language(self, audio: np.ndarray) -> tuple[str, float, list[tuple[str, float]]]: ...


class _EngineSource(Protocol):
    def build_language_engine(self) -> _LanguageDetector: ...


def _speech_windows(path: AudioSource, sample_seconds: float, windows: int) -> list[tuple[float, float]]:
    """Up to ``windows`` stretches of ``sample_seconds`` that start at speech, spread over the file.

    Reads the file in 10-minute blocks through VAD, so a 3-hour file costs one pass of VAD and a
    few megabytes, and language is judged at the start, middle and end (a file can open with an
    English jingle before the Spanish lecture).
    """
    from reachflow.asr.faster import speech_regions

    duration = wav_info(path).duration
    regions: list[tuple[float, float]] = []
    block = 600.0
    pos = 0.0
    while pos < duration:
        regions.extend(speech_regions(read_wav(path, pos, min(duration, pos + block)), pos))
        pos += block
    if not regions:
        return []
    total = sum(e - s for s, e in regions)
    if total <= sample_seconds or windows <= 1:
        return [(regions[0][0], min(duration, regions[0][0] + sample_seconds))]
    # Pick regions at evenly spaced quantiles of the speech time.
    targets = [total * (i + 0.5) / windows for i in range(windows)]
    chosen: list[tuple[float, float]] = []
    acc = 0.0
    t_index = 0
    for s, e in regions:
        while t_index < len(targets) and acc + (e - s) >= targets[t_index]:
            start = s + max(0.0, targets[t_index] - acc - sample_seconds / 2)
            start = max(0.0, min(start, duration - sample_seconds))
            if not chosen or start >= chosen[-1][1]:
                chosen.append((start, min(duration, start + sample_seconds)))
            t_index += 1
        acc += e - s
    return chosen


def identify_language(
    wav_path: AudioSource,
    *,
    sample_seconds: float = 30.0,
    windows: int = 3,
    engine: _LanguageDetector | None = None,
    settings: _EngineSource | None = None,
    models_dir: str | os.PathLike[str] | None = None,
) -> LanguageGuess:
    """The spoken language, from several speech windows, by multilingual Whisper base.

    Args:
        wav_path: the 16 kHz mono WAV.
        sample_seconds: length of each window (Whisper hears 30 s at a time).
        windows: how many windows to sample (start, middle, end of the speech).
        engine: a multilingual engine to use; else ``settings.build_language_engine()``; else
            base with default settings. An engine made here is released before returning (the
            model it loaded for itself is freed; a model shared with recognition stays).
        settings: engine settings (the ``SpeechEngineSettings`` block).
        models_dir: where base is joined when neither ``engine`` nor ``settings`` is given.

    Returns:
        A guess whose probabilities average the windows, weighted by their speech.
    """
    own = engine is None
    if engine is None:
        if settings is not None:
            engine = settings.build_language_engine()
        else:
            from reachflow.asr.faster import FasterWhisperEngine

            engine = FasterWhisperEngine("base", models_dir=models_dir, keep_model_loaded=False)
    try:
        return _identify(wav_path, engine, sample_seconds, windows)
    finally:
        # An engine made here is not used again: a model it loaded for itself (language ID's
        # base beside an English job's tiny.en) must not stay resident for the rest of the job.
        release = getattr(engine, "release", None) if own else None
        if release is not None:
            release()


def _identify(wav_path: AudioSource, engine: _LanguageDetector, sample_seconds: float, windows: int) -> LanguageGuess:
    picks = _speech_windows(wav_path, sample_seconds, windows)
    totals: dict[str, float] = {}
    weight_sum = 0.0
    speech = 0.0
    for start, end in picks:
        samples = read_wav(wav_path, start, end)
        if len(samples) < SAMPLE_RATE:
            continue
        _, _, ranked = engine.detect_language(samples)
        weight = len(samples) / SAMPLE_RATE
        speech += weight
        weight_sum += weight
        for code, p in ranked:
            totals[code] = totals.get(code, 0.0) + weight * p
    if weight_sum == 0:
        return LanguageGuess(code="", probability=0.0, speech_seconds=0.0, ranked=[])
    ranked_all = sorted(((c, p / weight_sum) for c, p in totals.items()), key=lambda x: -x[1])
    code, probability = ranked_all[0]
    return LanguageGuess(code=code, probability=probability, speech_seconds=speech, ranked=ranked_all[:5])


def check_language(
    ordered: str,
    guess: LanguageGuess,
    *,
    ordered_name: str | None = None,
    min_probability: float = 0.5,
    max_ordered_probability: float = 0.05,
    min_speech_seconds: float = 4.0,
) -> None:
    """Fail the job when the speech is confidently in another language than the one ordered.

    Args:
        ordered: the ordered source language (ISO code, e.g. "en", "en-US").
        guess: :func:`identify_language`'s result.
        ordered_name: the order's language name for the message (default from the code).
        min_probability: the heard language must be at least this likely…
        max_ordered_probability: …and the ordered one at most this likely. On 120 robotic
            English clips p(en) never fell below 0.36, so 0.05 leaves a wide margin.
        min_speech_seconds: below this much speech the guess is not trusted.

    Raises:
        LanguageMismatch: e.g. "spoken language is Spanish, ordered English".
    """
    if not guess.code or guess.speech_seconds < min_speech_seconds:
        return
    want, heard = _code(ordered), _code(guess.code)
    if heard == want or any(want in group and heard in group for group in _CLOSE):
        return
    if guess.probability < min_probability or guess.probability_of(want) > max_ordered_probability:
        return
    name = ordered_name or language_name(want)
    raise LanguageMismatch(f"spoken language is {language_name(heard)}, ordered {name}")

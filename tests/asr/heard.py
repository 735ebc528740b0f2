"""Test helper: a clip's words as tiny.en decodes and times them, some written as another word."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reachflow.asr.base import RecognizedWord, read_wav
from reachflow.asr.faster import FasterWhisperEngine


def words_heard_as(
    engine: FasterWhisperEngine, wav: Path, which: Callable[[str], bool], heard: str, probability: float
) -> list[RecognizedWord]:
    """Every decoded word for which ``which(text)`` holds is written as ``heard`` with ``probability``
    (unsure), keeping its times; at least one word must be picked."""
    decoded = engine._decode(
        read_wav(wav), 0.0, language="en", prompt=None, hotwords=None, word_timestamps=True, vad_filter=False
    )
    words = [RecognizedWord(w.start, w.end, heard, probability) if which(w.text) else w for w in decoded.words]
    assert any(which(w.text) for w in decoded.words), [w.text for w in decoded.words]
    return words

"""Trailing hallucinations are trimmed by their timing, and nothing else is touched."""

from __future__ import annotations

from reachflow.asr.base import RecognizedWord as W
from reachflow.asr.cleanup import trim_trailing_hallucination


def test_the_tail_whisper_invented_is_dropped() -> None:
    # Measured on the panel clip with the dictionary prompt (see the module docstring).
    words = [
        W(10.18, 10.62, ",000", 0.91),
        W(10.62, 11.00, "students.", 0.95),
        W(11.00, 11.30, "Thank", 0.01),
        W(11.30, 11.30, "you", 0.98),
        W(11.30, 11.30, "very", 0.08),
        W(11.30, 11.30, "much.", 0.99),
    ]
    assert [w.text for w in trim_trailing_hallucination(words, 11.44)] == [",000", "students."]


def test_real_words_stay_even_with_low_confidence_inside() -> None:
    words = [W(0.0, 0.3, "I", 0.9), W(0.3, 0.6, "answer", 0.05), W(0.6, 1.0, "this.", 0.8)]
    assert trim_trailing_hallucination(words, 2.0) == words


def test_words_after_the_media_end_are_dropped_and_ends_clipped() -> None:
    words = [W(0.0, 0.5, "Hello", 0.9), W(4.8, 5.3, "there.", 0.9), W(5.2, 5.6, "Again", 0.9)]
    trimmed = trim_trailing_hallucination(words, 5.0)
    assert [(w.text, w.end) for w in trimmed] == [("Hello", 0.5), ("there.", 5.0)]

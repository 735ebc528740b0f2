"""Trailing hallucinations are trimmed by their timing, and nothing else is touched."""

from __future__ import annotations

from reachflow.asr.base import RecognizedWord as W
from reachflow.asr.cleanup import tidy_numbers, trim_trailing_hallucination


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


def _tidy(text: str, language: str = "en") -> str:
    words = [W(i * 0.5, i * 0.5 + 0.4, t, 0.9) for i, t in enumerate(text.split())]
    return " ".join(w.text for w in tidy_numbers(words, language))


def test_an_amount_with_its_sign_spelled_before_it_is_written_with_the_sign() -> None:
    # Piper's "costs fifteen dollars" came out of tiny.en as "cost dollar 15" (bench/caption_quality.py).
    assert _tidy("free for staff and cost dollar 15 per hour") == "free for staff and cost $15 per hour"
    assert _tidy("we spent dollars 45,000.") == "we spent $45,000."
    words = tidy_numbers([W(1.0, 1.3, "dollar", 0.8), W(1.3, 1.9, "15", 0.6)])
    assert [(w.text, w.start, w.end, w.probability) for w in words] == [("$15", 1.0, 1.9, 0.6)]


def test_a_percentage_is_never_dollars() -> None:
    assert _tidy("hopes that $95 percent of the lectures") == "hopes that 95% of the lectures"
    assert _tidy("grows by $12.5%.") == "grows by 12.5%."
    assert _tidy("about $95 percent.") == "about 95%."


def test_ordinary_words_and_right_numbers_are_left_alone() -> None:
    for text in (
        "the dollar 15 years ago was worth more",
        "a dollar, 15 cents and the dollar sign",
        "we spent $45,000 on 12.5% of the 2,500 courses",
        "fifteen dollars per hour and 95 percent",
        "one dollar 50 cents",
    ):
        assert _tidy(text) == text
    assert _tidy("costó dollar 15", "es") == "costó dollar 15"

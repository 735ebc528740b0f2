"""A second opinion on numbers the engine was unsure of; confident numbers and other words stay."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reachflow.asr.base import RecognizedWord as W
from reachflow.asr.cleanup import recheck_numbers


def _second_model(said: Sequence[W]) -> tuple[Callable[[float, float], list[W]], list[tuple[float, float]]]:
    """A stand-in second model that hears ``said`` and records what it was asked to hear."""
    asked: list[tuple[float, float]] = []

    def hear(start: float, end: float) -> list[W]:
        asked.append((start, end))
        return [w for w in said if w.end > start and w.start < end]

    return hear, asked


def test_an_unsure_number_takes_the_second_models_more_confident_hearing() -> None:
    # Piper's "on page fourteen": tiny.en wrote "40." (p 0.57), base hears "14".
    ours = [W(144.9, 145.3, "page", 0.95), W(145.6, 145.98, "40.", 0.57), W(146.5, 146.8, "In", 0.9)]
    hear, asked = _second_model([W(144.9, 145.3, "page", 0.9), W(145.5, 146.0, "14.", 0.82)])
    words, changed = recheck_numbers(ours, hear)
    assert [w.text for w in words] == ["page", "14.", "In"]
    assert words[1].probability == 0.82 and (words[1].start, words[1].end) == (145.6, 145.98)
    assert changed == [("40.", "14.")]
    assert asked == [(143.6, 147.98)]


def test_confident_numbers_and_words_without_digits_are_not_heard_again() -> None:
    ours = [W(0.0, 0.5, "1,200", 0.9), W(0.6, 0.9, "four", 0.3), W(1.0, 1.3, "students", 0.2)]
    hear, asked = _second_model([W(0.0, 0.5, "1,300", 0.99), W(0.6, 0.9, "5", 0.99)])
    assert recheck_numbers(ours, hear) == (ours, [])
    assert asked == []


def test_a_less_confident_or_ambiguous_second_hearing_changes_nothing() -> None:
    ours = [W(10.0, 10.6, "600", 0.09)]
    hear, _ = _second_model([W(10.0, 10.6, "60", 0.05)])
    assert recheck_numbers(ours, hear)[0] == ours  # base is even less sure
    hear, _ = _second_model([W(9.9, 10.2, "6", 0.9), W(10.2, 10.6, "100", 0.9)])
    assert recheck_numbers(ours, hear)[0] == ours  # two numbers where we heard one: no way to tell
    hear, _ = _second_model([W(10.0, 10.6, "600,", 0.8)])
    assert recheck_numbers(ours, hear) == (ours, [])  # the same number: nothing to change


def test_the_second_hearing_changes_digits_only_and_never_adds_any() -> None:
    # Seen on espeak en+f3: base heard "4,000" as "4,000,000" and "$15" as "15", more confidently.
    for ours, theirs in (("4,000", "4,000,000"), ("$15", "15"), ("$95", "95%"), ("12.5%", "12.5")):
        hear, _ = _second_model([W(5.0, 5.5, theirs, 0.95)])
        assert recheck_numbers([W(5.0, 5.5, ours, 0.4)], hear) == ([W(5.0, 5.5, ours, 0.4)], [])
    # Fewer digits is a correction ("$37,000." for "$37 per lecture"), and the "$" stays ours.
    hear, _ = _second_model([W(5.0, 5.5, "37", 0.9)])
    assert recheck_numbers([W(5.0, 5.5, "$37,000.", 0.5)], hear)[1] == [("$37,000.", "$37.")]

"""Numbers and their "-teen" / "-ty" twins: which alternatives exist, and the audio's verdict decides."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from reachflow.asr.base import RecognizedWord as W
from reachflow.asr.cleanup import MAX_NUMBER_WEIGHS, confusable_numbers, weigh_confusable_numbers
from reachflow.asr.vocabulary import Weigh


@pytest.mark.parametrize(
    ("heard", "alternatives"),
    [
        ("14", ["40"]),
        ("40.", ["14."]),
        ("$15", ["$50"]),
        ("30%", ["13%"]),
        ("19,", ["90,"]),
        ("114", ["140"]),  # "one hundred fourteen" / "one hundred forty"
        ("350", ["315"]),
        ("2014", ["2040"]),  # "twenty fourteen" / "twenty forty"
        ("14,000", ["40,000"]),  # "fourteen thousand" / "forty thousand"
        ("13,000", ["30,000"]),
        ("1,030", ["1,013"]),
        ("30,000", ["13,000"]),
        ("(40)", ["(14)"]),
    ],
)
def test_a_teen_or_a_ty_as_the_last_spoken_word_has_its_twin(heard: str, alternatives: list[str]) -> None:
    assert confusable_numbers(heard) == alternatives


@pytest.mark.parametrize(
    "heard",
    [
        "12",
        "20",
        "45",
        "1,200",
        "2,500",
        "1998",
        "600",
        "12.5%",
        "$0.40",
        "14th",
        "14:30",
        "4-",
        "COVID-19",
        "014",
        "40",
    ],
)
def test_numbers_without_a_twin_and_other_words_have_none(heard: str) -> None:
    if heard == "40":
        assert confusable_numbers(heard, "de") == []  # the pairs are English ones
    else:
        assert confusable_numbers(heard) == []


def _listener(margins: dict[str, float]) -> tuple[list[tuple[str, str]], Weigh]:
    """A stand-in audio verdict: ``alternative − heard`` log-probability per alternative text."""
    asked: list[tuple[str, str]] = []

    def weigh(words: Sequence[W], i: int, n: int, text: str) -> tuple[float, float]:
        assert n == 1
        asked.append((words[i].text, text))
        return -10.0, -10.0 + margins.get(text, -5.0)

    return asked, weigh


def test_the_twin_replaces_the_number_only_when_the_audio_clearly_prefers_it() -> None:
    words = [W(0.0, 0.4, "page", 0.95), W(0.5, 0.9, "40.", 0.75), W(1.0, 1.4, "and", 0.9), W(1.5, 1.9, "30%", 0.8)]
    asked, weigh = _listener({"14.": 2.4, "13%": 0.9})
    out, verdicts = weigh_confusable_numbers(words, weigh)
    assert [w.text for w in out] == ["page", "14.", "and", "30%"]  # 0.9 nats is not enough for "13%"
    assert (out[1].start, out[1].end, out[1].probability) == (0.5, 0.9, 0.75)
    assert [(v.heard, v.alternative, v.accepted) for v in verdicts] == [("40.", "14.", True), ("30%", "13%", False)]
    assert asked == [("40.", "14."), ("30%", "13%")]


def test_confident_numbers_and_other_languages_are_not_weighed() -> None:
    asked, weigh = _listener({"14": 9.0})
    words = [W(0.0, 0.4, "40", 0.95), W(0.5, 0.9, "Seite", 0.9)]
    assert weigh_confusable_numbers(words, weigh)[0] == words
    assert weigh_confusable_numbers([W(0.0, 0.4, "40", 0.5)], weigh, "de")[0] == [W(0.0, 0.4, "40", 0.5)]
    assert asked == []


def test_the_number_of_weighings_is_bounded() -> None:
    asked, weigh = _listener({})
    words = [W(float(k), k + 0.5, "14", 0.5) for k in range(MAX_NUMBER_WEIGHS + 5)]
    out, verdicts = weigh_confusable_numbers(words, weigh)
    assert out == words and len(verdicts) == len(asked) == MAX_NUMBER_WEIGHS

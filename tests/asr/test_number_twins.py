"""Numbers and their "-teen" / "-ty" twins: which alternatives exist, and the audio's verdict decides."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from reachflow.asr.base import RecognizedWord as W
from reachflow.asr.cleanup import (
    MAX_NUMBER_VOTES,
    MAX_NUMBER_WEIGHS,
    NUMBER_GAIN,
    Hearings,
    confusable_numbers,
    weigh_confusable_numbers,
)
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


def test_a_lean_under_the_number_gain_is_not_enough_alone() -> None:
    # Piper's sentence-final "seventy", heard right at p 0.88: base found "17." 1.5 nats likelier.
    _, weigh = _listener({"17.": 1.5})
    out, verdicts = weigh_confusable_numbers([W(0.0, 0.4, "page", 0.9), W(0.5, 0.9, "70.", 0.88)], weigh)
    assert out[1].text == "70." and not verdicts[0].accepted and NUMBER_GAIN > 1.5


def _hearings(heard: list[tuple[str, float]]) -> tuple[list[tuple[str, int]], Hearings]:
    asked: list[tuple[str, int]] = []

    def hearings(words: Sequence[W], i: int) -> list[tuple[str, float]]:
        asked.append((words[i].text, i))
        return heard

    return asked, hearings


def test_where_the_audio_leaves_it_open_the_more_confident_hearings_decide() -> None:
    words = [W(0.0, 0.4, "page", 0.95), W(0.5, 0.9, "40.", 0.71)]
    # The bench's "page 40." for Piper's "fourteen": base −1.2 for "14.", the hearings 5 × "14." / 3 × "40.".
    again = [("14.", 0.47), ("14.", 0.69), ("40.", 0.57), ("14.", 0.87), ("14.", 0.5), ("40.", 0.58), ("40.", 0.53)]
    again += [("14.", 0.75)]
    _, weigh = _listener({"14.": -1.2})
    asked, hearings = _hearings(again)
    out, verdicts = weigh_confusable_numbers(words, weigh, "en", hearings)
    assert out[1].text == "14." and out[1].probability == 0.71
    assert asked == [("40.", 1)]
    (verdict,) = verdicts
    assert verdict.accepted and verdict.hearings == 8
    assert verdict.votes == pytest.approx((0.71 + 0.57 + 0.58 + 0.53, 0.47 + 0.69 + 0.87 + 0.5 + 0.75))
    assert verdict.describe() == "40. → 14. taken (-1.2; heard again 14. 3.3 / 40. 2.4 of 8)"

    # The same lean with hearings that mostly agree with the first one: it stays, and the first
    # hearing's own confidence counts (1 × "14." at 0.9 does not outweigh "40." at 0.71 + 0.3).
    _, hearings = _hearings([("14.", 0.9), ("40.", 0.3), ("page", 0.9)])
    out, verdicts = weigh_confusable_numbers(words, weigh, "en", hearings)
    assert out[1].text == "40." and not verdicts[0].accepted and verdicts[0].votes == pytest.approx((1.01, 0.9))


def test_a_clear_verdict_is_not_heard_again_and_the_hearings_are_bounded() -> None:
    asked, hearings = _hearings([("14", 0.9)] * 8)
    _, weigh = _listener({"14": 2.5, "13%": -3.0})
    words = [W(0.0, 0.4, "40", 0.5), W(1.0, 1.4, "30%", 0.5)]
    out, verdicts = weigh_confusable_numbers(words, weigh, "en", hearings)
    assert [w.text for w in out] == ["14", "30%"] and asked == []
    assert all(v.votes is None for v in verdicts)

    _, weigh = _listener({"14": 0.5})
    words = [W(float(k), k + 0.5, "40", 0.5) for k in range(MAX_NUMBER_VOTES + 3)]
    out, verdicts = weigh_confusable_numbers(words, weigh, "en", hearings)
    assert len(asked) == MAX_NUMBER_VOTES
    assert [w.text for w in out] == ["14"] * MAX_NUMBER_VOTES + ["40"] * 3

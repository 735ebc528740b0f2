"""The test and bench speech itself: what the voices say, and that it is the same every time."""

from __future__ import annotations

from pathlib import Path

import pytest

from reachflow.asr.synthetic import piper_available, spoken_form, synthesize


def test_money_is_written_as_people_say_it() -> None:
    assert spoken_form("costs $15 per hour") == "costs 15 dollars per hour"
    assert (
        spoken_form("We spent $45,000 in 2023, about $37 per lecture, or $0.40 a minute.")
        == "We spent 45,000 dollars in 2023, about 37 dollars per lecture, or 0.40 dollars a minute."
    )
    # Nothing else is rewritten.
    for text in ("It grew by 12.5% to 2,500 seats on page 14.", "A $ sign alone", "US$ and $x"):
        assert spoken_form(text) == text


def test_espeak_says_an_amount_after_its_number(tmp_path: Path) -> None:
    # espeak-ng alone reads "$15" as "dollar fifteen"; synthesize reads it as "fifteen dollars".
    written = synthesize("It costs $15 per hour.", tmp_path / "written.wav", "en").read_bytes()
    spoken = synthesize("It costs 15 dollars per hour.", tmp_path / "spoken.wav", "en").read_bytes()
    assert written == spoken


@pytest.mark.skipif(not piper_available(), reason="needs the Piper joe voice")
def test_piper_gives_the_same_text_the_same_audio(tmp_path: Path) -> None:
    text = "The rest of the steps are described in the handbook on page 14."
    first = synthesize(text, tmp_path / "a.wav", "piper:joe").read_bytes()
    synthesize("Something else in between.", tmp_path / "b.wav", "piper:joe")
    again = synthesize(text, tmp_path / "c.wav", "piper:joe").read_bytes()
    other = synthesize(text.replace("14", "40"), tmp_path / "d.wav", "piper:joe").read_bytes()
    assert first == again
    assert other != first

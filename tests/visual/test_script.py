"""The description script a person edits: one line per pause, each checked to fit its pause."""

from __future__ import annotations

from reachflow.audio import Pause
from reachflow.visual.describe import Description
from reachflow.visual.script import (
    check_script,
    machine_script,
    max_words,
    parse_script,
    render_script,
    script_lines,
)

PAUSES = [Pause(3.0, 8.0), Pause(12.0, 14.2), Pause(20.0, 23.0)]


def test_the_script_shows_every_pause_with_its_room_and_the_machine_suggestion() -> None:
    suggestions = machine_script(PAUSES, [Description(3.3, 5.7, "On screen: Campus Tour.", 0, 7.7)])
    text = render_script(PAUSES, suggestions)
    assert "# Pause 1, 0:03.0-0:08.0 (5.0 s): up to 11 words" in text
    assert "\n1: On screen: Campus Tour.\n" in text
    assert "\n2:\n" in text and "\n3:\n" in text
    assert parse_script(text) == ({1: "On screen: Campus Tour.", 2: "", 3: ""}, [])
    assert check_script(PAUSES, text) == []


def test_a_description_too_long_for_its_pause_is_sent_back_with_the_reason() -> None:
    text = "1: On screen: Campus Tour.\n2: The camera slowly pans across the crowded library reading room.\n"
    assert max_words(PAUSES[1]) == 4
    assert check_script(PAUSES, text) == [
        "pause 2 (2.2 s) holds up to 4 words at a natural pace; its description has 10 words (4.0 s): shorten it"
    ]


def test_unreadable_lines_unknown_pauses_twice_written_pauses_and_an_empty_script_are_refused() -> None:
    problems = check_script(PAUSES, "hello there\n7: A dog.\n1: A cat.\n1: A bird.\n")
    assert problems == [
        "line 1 does not start with a pause number ('3: ...'): 'hello there'",
        "pause 1 is written twice (line 4): merge them",
        "there is no pause 7 (the pauses are numbered 1 to 3)",
    ]
    assert check_script(PAUSES, render_script(PAUSES, {})) == ["no description was written: write at least one"]


def test_accepted_lines_are_spoken_inside_their_pause_with_quiet_at_both_ends() -> None:
    lines = script_lines(PAUSES, {1: "On screen: Campus Tour.", 2: "", 3: "Rain."})
    assert [(line.start, line.end, line.text) for line in lines] == [
        (3.3, 7.7, "On screen: Campus Tour."),
        (20.3, 22.7, "Rain."),
    ]


def test_a_later_shot_is_announced_as_a_new_scene_only_where_that_fits_whole() -> None:
    from reachflow.visual import ShotSignals, describe_shots
    from reachflow.visual.shots import Shot

    signals = [
        ShotSignals(Shot(0, 0.0, 10.0), text=["Campus Tour"]),
        ShotSignals(Shot(1, 10.0, 20.0), text=["Library open late"]),
        ShotSignals(Shot(2, 20.0, 24.0), text=["Apply by March first"]),
    ]
    pauses = [Pause(3.0, 8.0), Pause(11.0, 16.0), Pause(20.0, 23.0)]
    texts = [d.text for d in describe_shots(signals, pauses, "en", announce_scenes=True)]
    assert texts == [
        "On screen: Campus Tour.",  # the first shot is no new scene
        "A new scene. On screen: Library open late.",
        "On screen: Apply by March first.",  # 2.4 s of room: the announcement gives way
    ]

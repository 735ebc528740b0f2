"""Extended audio description, the pure part: moments, sentences, WebVTT, and checking a person's file."""

from __future__ import annotations

import html
import io
import itertools
from pathlib import Path

import pytest
import webvtt

from reachflow.errors import MediaError
from reachflow.media import rank_picture_flavors
from reachflow.models import FlavorInfo
from reachflow.visual.describe import ShotSignals
from reachflow.visual.extended import (
    check_extended_descriptions,
    extended_descriptions,
    parse_extended_vtt,
    render_extended_vtt,
)
from reachflow.visual.shots import Shot


def signals() -> list[ShotSignals]:
    return [
        ShotSignals(Shot(0, 0.0, 3.0), Path("a.png"), ["Fabrikam Clinic"], 0),
        ShotSignals(Shot(1, 3.0, 4.2), Path("b.png"), ["Wash <hands> & dry them", "Step 2"], 2),
        ShotSignals(Shot(2, 4.2, 9.0), Path("c.png"), ["Step 2"], 0),
        ShotSignals(Shot(3, 9.0, 10.0), Path("d.png"), ["Step 2"], 1),
    ]


def parsed(vtt: str) -> list[webvtt.Caption]:
    return list(webvtt.from_buffer(io.StringIO(vtt)))


def test_a_description_at_every_moment_something_visual_happens() -> None:
    found = extended_descriptions(signals(), 10.0, "en")
    assert [(d.start, d.shot_index) for d in found] == [(0.0, 0), (3.0, 1), (4.2, 2), (9.0, 3)]
    assert found[0].text == "On screen: Fabrikam Clinic."
    assert found[1].text == "Two people appear. On screen: Wash <hands> & dry them. Step 2."
    assert found[2].text == "The scene changes."  # a cut where nothing new is seen ("Step 2" stays)
    assert found[3].text == "A person appears."  # "Step 2" was read in the shot before
    # Longer to say than its shot (the player pauses): the cue ends at the next moment.
    assert found[1].end == 4.2
    for before, after in itertools.pairwise(found):
        assert before.end <= after.start
    assert all(0 <= d.start < d.end <= 10.0 for d in found)


def test_the_sentences_are_in_the_entry_language() -> None:
    found = extended_descriptions(signals(), 10.0, "es")
    assert found[0].text == "En pantalla: Fabrikam Clinic." and found[2].text == "Cambia la escena."


def test_one_plain_shot_has_nothing_to_describe() -> None:
    assert extended_descriptions([ShotSignals(Shot(0, 0.0, 6.0))], 6.0, "en") == []


def test_the_webvtt_escapes_markup_and_parses_with_an_independent_reader() -> None:
    found = extended_descriptions(signals(), 10.0, "en")
    vtt = render_extended_vtt(found)
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> ")
    assert "Wash &lt;hands&gt; &amp; dry them" in vtt and "<hands>" not in vtt
    captions = parsed(vtt)
    # webvtt-py hands the payload back as written; a player decodes the character references.
    assert [html.unescape(c.text) for c in captions] == [d.text for d in found]
    assert [c.start for c in captions] == ["00:00:00.000", "00:00:03.000", "00:00:04.200", "00:00:09.000"]
    # And back: what a person submits is read the same way.
    assert [d.text for d in parse_extended_vtt(vtt)] == [d.text for d in found]


def test_a_persons_file_is_checked_and_the_reasons_say_what_to_fix() -> None:
    good = render_extended_vtt(extended_descriptions(signals(), 10.0, "en"))
    assert check_extended_descriptions(good, 10.0) == []
    assert check_extended_descriptions("", 10.0) == ["The file could not be read: the captions are empty"]
    assert check_extended_descriptions("hello there", 10.0)[0].startswith("The file could not be read: line 1: not SRT")
    wrong = (
        "WEBVTT\n\n"
        "00:00:05.000 --> 00:00:06.000\nA door opens.\n\n"
        "00:00:02.000 --> 00:00:03.000\nShe smiles.\n\n"
        "00:00:02.500 --> 00:00:04.000\n...\n\n"
        "00:00:09.000 --> 00:00:12.000\nThe end card.\n"
    )
    assert check_extended_descriptions(wrong, 10.0) == [
        "Description 2 starts before description 1: keep them in order.",
        "Description 3 has no words.",
        "Description 3 starts at 2.500 s, before description 2 ends (3.000 s).",
        "Description 4 (9.000–12.000 s) is outside the media (0–10.000 s).",
    ]


def flavor(flavor_id: str, *, ext: str, height: int, size: int, tags: str = "web") -> FlavorInfo:
    return FlavorInfo(
        id=flavor_id,
        file_ext=ext,
        container_format="isom" if ext != "m4a" else "mp4a",
        size_bytes=size,
        width=height * 16 // 9,
        height=height,
        video_codec="avc1" if height else None,
        tags=tags,
        status_ready=True,
    )


def test_the_sharpest_picture_up_to_720_lines_comes_first_and_audio_only_never() -> None:
    flavors = [
        flavor("0_audio", ext="m4a", height=0, size=100, tags="audio_only"),
        flavor("0_small", ext="mp4", height=180, size=200),
        flavor("0_tiny", ext="mp4", height=144, size=150),
        flavor("0_full", ext="mp4", height=1080, size=2000),
        flavor("0_hd", ext="mp4", height=720, size=900),
        flavor("0_sd", ext="mp4", height=360, size=500),
        flavor("0_mute", ext="mp4", height=480, size=400, tags="video_only"),
    ]
    assert [f.id for f in rank_picture_flavors(flavors, sound=False)] == [
        "0_hd",
        "0_mute",
        "0_sd",
        "0_small",
        "0_tiny",
        "0_full",
    ]
    # A service that mixes into the sound what it saw never takes a flavor known to be silent.
    assert "0_mute" not in [f.id for f in rank_picture_flavors(flavors, sound=True)]
    with pytest.raises(MediaError) as caught:
        rank_picture_flavors([flavors[0]], sound=False)
    assert caught.value.err_description == "media has no video track"

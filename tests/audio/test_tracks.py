"""Whole tracks from a script, and the checks of a track a person recorded (human dubbing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reachflow.audio import ScriptLine, check_recorded_track, conform_track, make_track, probe, synthesize_script
from reachflow.voices.espeak import EspeakVoice
from tests.audio.conftest import ffmpeg


def test_a_script_becomes_a_dubbed_track_with_its_findings(music_original: Path, tmp_path: Path) -> None:
    lines = [
        ScriptLine(1.0, 4.0, "Hola a todos."),
        ScriptLine(5.0, 5.6, "Este texto es demasiado largo para su espacio de tiempo."),
        ScriptLine(9.0, 11.0, "   "),
    ]
    progress: list[tuple[int, int]] = []
    utterances = synthesize_script(
        lines, EspeakVoice("es"), on_progress=lambda done, total: progress.append((done, total))
    )
    assert progress == [(1, 2), (2, 2)]
    track = make_track(music_original, utterances, tmp_path / "dub.mp4", bitrate=64)
    assert probe(track.mix.path).duration == pytest.approx(probe(music_original).duration, abs=0.1)
    assert [f.index for f in track.findings] == [1]
    assert track.placement.utterances[0].start == 1.0


def test_a_recorded_track_is_checked_then_conformed(tmp_path: Path) -> None:
    good, short, silent, junk = (tmp_path / n for n in ("good.wav", "short.wav", "silent.wav", "junk.mp3"))
    ffmpeg("-f", "lavfi", "-i", "sine=f=300:d=10.4", str(good))
    ffmpeg("-f", "lavfi", "-i", "sine=f=300:d=7", str(short))
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "10", str(silent))
    junk.write_bytes(b"not audio at all")
    assert check_recorded_track(good, 10.0) == []
    assert check_recorded_track(short, 10.0) == [
        "the track lasts 7.0 s but the media lasts 10.0 s (it must be within 1 s)"
    ]
    assert check_recorded_track(silent, 10.0) == ["the track is silent"]
    assert check_recorded_track(junk, 10.0) == ["the file cannot be decoded as audio"]
    result = conform_track(good, tmp_path / "track.mp4", 10.0, bitrate=128)
    assert result.duration == pytest.approx(10.0, abs=0.1)
    assert result.loudness.integrated == pytest.approx(-23.0, abs=1.0)

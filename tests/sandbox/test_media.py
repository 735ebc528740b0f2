"""media.py: an entry's media made from text (espeak-ng + ffmpeg), cached by content, probed once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kaltura_sandbox.media import Segment, probe, synthesize


def test_synthesis_from_a_cold_cache(tmp_path: Path) -> None:
    """Every flavor kind, padding and looping, made in a fresh folder, then reused as it is."""
    segments = [Segment(text="Captions help."), Segment(silence=0.3), Segment(music=0.5)]
    bundle = synthesize(segments, tmp_path, pad_to_seconds=4.0)
    assert set(bundle.files) == {"audio", "source", "video_only", "broken"} and set(bundle.hls) == {
        "audio",
        "source",
        "video_only",
    }
    assert bundle.duration == pytest.approx(4.0, abs=0.1)  # padded with silence
    facts = probe(bundle.files["source"])
    assert {s["codec_type"] for s in facts["streams"]} == {"video", "audio"}
    assert {s["codec_type"] for s in probe(bundle.files["video_only"])["streams"]} == {"video"}
    assert probe(bundle.files["broken"]) == {}  # undecodable on purpose
    assert (bundle.files["source"].parent / "source.mp4.probe.json").exists()  # ffprobe runs once
    index = bundle.hls["audio"].read_text()
    assert "#EXTM3U" in index and ".ts" in index
    again = synthesize(segments, tmp_path, pad_to_seconds=4.0)
    assert again.folder == bundle.folder and again.duration == bundle.duration
    # a long entry repeats its timeline; an audio-only one has no video flavors
    looped = synthesize([Segment(text="Again.")], tmp_path, with_video=False, loop_to_seconds=5.0)
    assert set(looped.files) == {"audio", "broken"} and looped.duration == pytest.approx(5.0, abs=0.1)
    decoded = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(looped.files["audio"])],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert float(decoded.stdout) == pytest.approx(5.0, abs=0.2)


def test_shots_give_the_picture_cuts_and_readable_on_screen_text(tmp_path: Path) -> None:
    """``shots``: each shot its colour and drawn text; the list repeats to the sound's end."""
    from kaltura_sandbox.media import VideoShot
    from reachflow.visual import detect_shots, extract_keyframes, read_text

    shots = [
        VideoShot(seconds=2.0, colour="navy", text="Opening Night"),
        VideoShot(seconds=2.0, colour="gold", text="Tickets 20 dollars", ink="black"),
    ]
    bundle = synthesize([Segment(text="Hello."), Segment(silence=5.0)], tmp_path, shots=shots)
    source = bundle.files["source"]
    assert {s["codec_type"] for s in probe(source)["streams"]} == {"video", "audio"}
    video = next(s for s in probe(source)["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (640, 360)
    found = detect_shots(source)
    assert [round(s.start) for s in found][:3] == [0, 2, 4]  # the list repeats after 4 s
    frames = extract_keyframes(source, found[:2], tmp_path / "frames")
    assert [read_text(frame) for frame in frames] == [["Opening Night"], ["Tickets 20 dollars"]]
    assert synthesize([Segment(text="Hello."), Segment(silence=5.0)], tmp_path).folder != bundle.folder

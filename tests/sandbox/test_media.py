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

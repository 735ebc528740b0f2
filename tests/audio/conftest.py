"""Media made with ffmpeg and voices made once per session for the audio tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reachflow.voices import Speech
from reachflow.voices.espeak import EspeakVoice


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="session")
def audio_dir(session_dir: Path) -> Path:
    path = session_dir / "audio"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def music_original(audio_dir: Path) -> Path:
    """12 s of stereo "music" (two tones and noise, 44.1 kHz) in a video MP4 with a colour track."""
    out = audio_dir / "original.mp4"
    if not out.exists():
        ffmpeg(
            "-f", "lavfi", "-i", "sine=f=220:d=12:sample_rate=44100",
            "-f", "lavfi", "-i", "sine=f=331:d=12:sample_rate=44100",
            "-f", "lavfi", "-i", "anoisesrc=d=12:a=0.08:r=44100:seed=7",
            "-f", "lavfi", "-i", "color=c=navy:s=320x180:d=12:r=10",
            "-filter_complex", "[0][1]join=inputs=2:channel_layout=stereo[tones];[2]aformat=channel_layouts=stereo[n];"
            "[tones][n]amix=inputs=2:normalize=0,volume=0.4[a]",
            "-map", "3:v", "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "192k",
            str(out),
        )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def english_speech() -> Speech:
    """espeak-ng English: fast to make, with clear gaps between sentences."""
    return EspeakVoice("en").synthesize("The river rises every spring. Farmers move their animals to the hills.")

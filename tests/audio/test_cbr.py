"""Constant-bitrate AAC: fill elements bring any content to exactly 64 or 128 kbps, the sound untouched."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from reachflow.audio import clear_audio, probe
from reachflow.audio.cbr import frame_sizes, pad_to_constant_bitrate
from tests.audio.conftest import ffmpeg


def pcm_digest(path: Path) -> str:
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "s16le", "-"],
        capture_output=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    return hashlib.sha256(out).hexdigest()


def test_frames_are_padded_to_the_rate_never_shrunk() -> None:
    assert frame_sizes([10, 10, 10, 10], 90.0) == [30, 30, 30, 30]  # the first (priming) frame is not counted
    sizes = [10, 10, 50, 10]
    padded = frame_sizes(sizes, 90.0)
    assert all(p >= s for p, s in zip(padded, sizes, strict=True)) and sum(padded[1:]) == 90
    # The encoder spent more than the rate: nothing is added on top of its overspend.
    assert frame_sizes([40, 40, 40], 60.0) == [40, 40, 40]
    assert frame_sizes([], 10.0) == []


@pytest.fixture(scope="module")
def sparse_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four seconds of speech-like tone, then 56 s of silence: what a dub of a quiet film looks like."""
    out = tmp_path_factory.mktemp("cbr") / "sparse.wav"
    ffmpeg(
        "-f", "lavfi", "-i", "sine=f=300:d=4:sample_rate=48000", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono:d=56",
        "-filter_complex", "[0][1]concat=n=2:v=0:a=1,volume=0.3", str(out),
    )  # fmt: skip
    return out


@pytest.mark.parametrize(("kbps", "channels"), [(128, 2), (64, 1)])
def test_a_mostly_silent_track_reads_exactly_its_nominal_bitrate(
    sparse_wav: Path, tmp_path: Path, kbps: int, channels: int
) -> None:
    plain = tmp_path / "plain.mp4"
    ffmpeg("-i", str(sparse_wav), "-ac", str(channels), "-c:a", "aac", "-b:a", f"{kbps}k", str(plain))
    assert probe(plain).audio_bit_rate < kbps * 1000 * 0.3  # ffmpeg's AAC alone: few bits over silence
    padded = pad_to_constant_bitrate(plain, tmp_path / "cbr.mp4", kbps)
    info = probe(padded)
    assert info.audio_bit_rate == pytest.approx(kbps * 1000, abs=10)
    assert (info.audio_codec, info.audio_profile) == ("aac", "LC")
    assert info.duration == probe(plain).duration
    assert pcm_digest(padded) == pcm_digest(plain)  # decoders skip fill elements: the same samples


def test_clear_audio_of_sparse_and_dense_content_is_delivered_at_the_rate(sparse_wav: Path, tmp_path: Path) -> None:
    noise = tmp_path / "noise.wav"
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=d=20:a=0.5:r=48000:c=white", "-ac", "2", str(noise))
    for source in (sparse_wav, noise):
        for kbps in (64, 128):
            out = clear_audio(source, tmp_path / f"{source.stem}-{kbps}.mp4", bitrate=kbps)  # type: ignore[arg-type]
            assert probe(out).audio_bit_rate == pytest.approx(kbps * 1000, abs=10), (source.name, kbps)

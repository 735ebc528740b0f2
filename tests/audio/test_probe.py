"""ffprobe as the flows see it: what counts as a picture track, and how an unreadable file is worded."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reachflow.errors import MediaError
from reachflow.ffmpeg import probe


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def test_a_cover_picture_is_not_a_video_track(tmp_path: Path) -> None:
    cover = tmp_path / "cover.png"
    _ffmpeg("-f", "lavfi", "-i", "color=c=navy:s=64x64", "-frames:v", "1", str(cover))
    song = tmp_path / "song.mp3"
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=2",
        "-i",
        str(cover),
        "-map",
        "0:a",
        "-map",
        "1:v",
        "-c:v",
        "png",
        "-disposition:v",
        "attached_pic",
        str(song),
    )
    film = tmp_path / "film.mp4"
    _ffmpeg(
        "-f", "lavfi", "-i", "color=c=navy:s=64x64:d=2", "-f", "lavfi", "-i", "sine=duration=2", "-shortest", str(film)
    )
    song_info, film_info = probe(song), probe(film)
    assert song_info.has_audio and not song_info.has_video
    assert film_info.has_audio and film_info.has_video
    assert 1.9 < song_info.duration < 2.2


def test_an_unreadable_file_is_worded_as_the_flows_report_it(tmp_path: Path) -> None:
    junk = tmp_path / "upload.mp4"
    junk.write_bytes(b"not media at all" * 64)
    with pytest.raises(MediaError) as caught:
        probe(junk)
    assert caught.value.message.startswith("media could not be decoded: ")
    assert str(tmp_path) not in caught.value.message  # ffprobe's "<path>: " prefix is cut

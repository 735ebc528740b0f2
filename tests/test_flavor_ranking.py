"""Which flavor of an entry recognition downloads first (reachflow/media.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from reachflow.errors import MediaError
from reachflow.media import choose_flavor, has_audio, is_audio_only, rank_flavors


@dataclass
class Flavor:
    id: str
    size_bytes: int = 1000
    file_ext: str | None = "mp4"
    container_format: str | None = "mp42"
    width: int = 640
    height: int = 360
    video_codec: str | None = "avc1"
    tags: str = "mobile,web"
    status_ready: bool = True


def audio(id_: str, size: int = 100, ext: str = "m4a") -> Flavor:
    return Flavor(id_, size_bytes=size, file_ext=ext, width=0, height=0, video_codec=None, tags="audio_only")


def test_audio_only_flavor_is_first_even_when_larger() -> None:
    flavors = [Flavor("0_small", size_bytes=10), audio("0_audio", size=5000), Flavor("0_big", size_bytes=9000)]
    assert [f.id for f in rank_flavors(flavors)] == ["0_audio", "0_small", "0_big"]
    assert choose_flavor(flavors).id == "0_audio"


def test_videos_are_tried_smallest_first_and_ties_by_id() -> None:
    flavors = [Flavor("0_b", size_bytes=300), Flavor("0_c", size_bytes=100), Flavor("0_a", size_bytes=300)]
    assert [f.id for f in rank_flavors(flavors)] == ["0_c", "0_a", "0_b"]


def test_flavors_not_ready_or_video_only_are_never_tried() -> None:
    flavors = [
        Flavor("0_notready", size_bytes=1, status_ready=False),
        Flavor("0_mute", size_bytes=2, tags="video_only"),
        Flavor("0_ok", size_bytes=3),
    ]
    assert [f.id for f in rank_flavors(flavors)] == ["0_ok"]


@pytest.mark.parametrize(
    ("flavors", "reason"),
    [
        ([], "no usable flavor: the entry has no media flavors"),
        ([Flavor("0_x", status_ready=False)], "no usable flavor: no flavor of the entry is ready"),
        ([Flavor("0_x", tags="video_only"), Flavor("0_y", tags="no_audio")], "every ready flavor is video-only"),
    ],
)
def test_nothing_to_try_says_why(flavors: list[Flavor], reason: str) -> None:
    with pytest.raises(MediaError) as caught:
        rank_flavors(flavors)
    assert reason in caught.value.err_description


@pytest.mark.parametrize(
    ("flavor", "expected"),
    [
        (audio("0_a"), True),
        (Flavor("0_mp3", file_ext="mp3"), True),
        (Flavor("0_tagged", tags="web,audioOnly"), True),
        (Flavor("0_nodims", width=0, height=0, video_codec=None), True),
        (Flavor("0_video"), False),
        (Flavor("0_unknown", width=0, height=0, video_codec=None, container_format=None), False),
    ],
)
def test_audio_only_detection(flavor: Flavor, expected: bool) -> None:
    assert is_audio_only(flavor) is expected


def test_has_audio_trusts_only_explicit_tags() -> None:
    assert has_audio(Flavor("0_x"))
    assert not has_audio(Flavor("0_x", tags="web, NO_AUDIO"))

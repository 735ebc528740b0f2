"""Choosing what to download of an entry (pure: no network).

Recognition needs sound, not pictures: an audio-only flavor when the entry has one, else the
smallest READY flavor that carries audio. A flavor known to be video-only is never chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from reachflow.errors import MediaError

__all__ = ["FlavorLike", "choose_flavor", "has_audio", "is_audio_only", "rank_picture_flavors"]

AUDIO_EXTENSIONS = {"m4a", "mp3", "aac", "wav", "ogg", "oga", "flac", "opus", "wma"}


class FlavorLike(Protocol):
    id: str
    file_ext: str | None
    container_format: str | None
    size_bytes: int
    width: int
    height: int
    video_codec: str | None
    tags: str
    status_ready: bool


def _tags(flavor: FlavorLike) -> set[str]:
    return {t.strip().lower() for t in (flavor.tags or "").split(",") if t.strip()}


def is_audio_only(flavor: FlavorLike) -> bool:
    tags = _tags(flavor)
    if "audio_only" in tags or "audioonly" in tags:
        return True
    if (flavor.file_ext or "").lower() in AUDIO_EXTENSIONS:
        return True
    return not flavor.width and not flavor.height and not flavor.video_codec and bool(flavor.container_format)


def has_audio(flavor: FlavorLike) -> bool:
    """Best knowledge from Kaltura's metadata (it does not list audio codecs of a flavor)."""
    tags = _tags(flavor)
    return not ({"video_only", "no_audio", "noaudio"} & tags)


def choose_flavor(flavors: Sequence[FlavorLike]) -> FlavorLike:
    """The flavor to fetch for recognition, or ``MediaError`` saying why there is none."""
    ready = [f for f in flavors if f.status_ready]
    if not flavors:
        raise MediaError("no usable flavor: the entry has no media flavors")
    if not ready:
        raise MediaError("no usable flavor: no flavor of the entry is ready")
    audio_only = [f for f in ready if is_audio_only(f) and has_audio(f)]
    if audio_only:
        return min(audio_only, key=lambda f: (f.size_bytes or 0, f.id))
    with_audio = [f for f in ready if has_audio(f)]
    if not with_audio:
        raise MediaError("no usable flavor: every ready flavor is video-only")
    return min(with_audio, key=lambda f: (f.size_bytes or 0, f.id))


def rank_flavors(flavors: Sequence[FlavorLike]) -> list[FlavorLike]:
    """Every ready flavor that may carry audio, best first (audio-only, then smallest).

    Kaltura's flavor metadata does not say whether a flavor has sound, so the caller tries them
    in this order and keeps the first one whose file really has an audio stream.
    """
    choose_flavor(flavors)  # raises the specific MediaError when there is nothing to try
    ready = [f for f in flavors if f.status_ready and has_audio(f)]
    return sorted(ready, key=lambda f: (0 if is_audio_only(f) else 1, f.size_bytes or 0, f.id))


# The sharpest picture worth fetching for OCR and shot cuts; a larger one costs time, not text.
PICTURE_LINES = 720


def rank_picture_flavors(flavors: Sequence[FlavorLike], *, sound: bool) -> list[FlavorLike]:
    """Every ready flavor that may carry a picture, best first, for services that look at the video.

    Best: the most lines up to 720 (on-screen text is read from the picture), then the taller
    ones above it, smallest first; then size. Audio-only flavors never count; with ``sound`` (a
    service that mixes into the sound what it saw) neither do flavors known to be video-only.

    Raises:
        MediaError: No flavor of the entry is ready, or none that is may carry a picture ("media has
            no video track").
    """
    if not any(f.status_ready for f in flavors):
        raise MediaError("no usable flavor: no flavor of the entry is ready")
    ready = [f for f in flavors if f.status_ready and not is_audio_only(f) and (has_audio(f) or not sound)]
    if not ready:
        raise MediaError("media has no video track")

    def rank(flavor: FlavorLike) -> tuple[int, int, int, str]:
        lines = flavor.height or 0
        over = lines > PICTURE_LINES
        return (1 if over else 0, lines if over else -lines, flavor.size_bytes or 0, flavor.id)

    return sorted(ready, key=rank)

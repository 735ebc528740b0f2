"""Fetching and decoding an entry's media, in bounded memory.

Prefect tasks every service that listens to the media shares:

* :func:`fetch_media`: the entry's best flavor that really carries sound, downloaded (task).
* :func:`decode_audio`: 16 kHz mono WAV as an :class:`AudioTrack`; silent media ends the job (task).

The steps under them:

* :func:`download_progressive`: streamed to disk with size and time limits; a dropped connection
  resumes with an HTTP Range request; 5xx is transient, 4xx permanent.
* :func:`download_hls`: the m3u8 is parsed with ``m3u8``, the segments of one rendition fetched
  to disk, then repackaged into one file by ffmpeg (stream copy).
* :func:`decode_to_wav` (probing with :func:`reachflow.ffmpeg.probe`): 16 kHz mono 16-bit WAV for
  recognition (ffmpeg streams, so a 3-hour entry never sits in memory).
* :func:`apply_content_deletion_policy`: local copies follow the REACH profile's policy.

Every message is redacted: a KS in a delivery URL never reaches a log or an errDescription.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin

import httpx
import m3u8
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from reachflow.enums import ReachProfileContentDeletionPolicy as Policy
from reachflow.errors import MediaError, PermanentError, TransientError, redact
from reachflow.ffmpeg import ffmpeg_reason, probe
from reachflow.settings import get_settings
from tasks.http import check_status, is_transport_failure, transport_error
from tasks.job import KALTURA_RETRIES, ActiveJob

__all__ = [
    "AudioInfo",
    "AudioTrack",
    "apply_content_deletion_policy",
    "decode_audio",
    "decode_to_wav",
    "download_hls",
    "download_progressive",
    "fetch_media",
    "purge_expired",
]

CHUNK = 1 << 20
DELETE_MARKER = ".delete-after"
RETENTION = {
    Policy.DELETE_AFTER_WEEK: timedelta(days=7),
    Policy.DELETE_AFTER_MONTH: timedelta(days=30),
    Policy.DELETE_AFTER_THREE_MONTHS: timedelta(days=90),
}


def _size_error(max_bytes: int) -> MediaError:
    return MediaError(f"media is larger than the {max_bytes // (1024 * 1024)} MB limit")


def download_progressive(url: str, dest: Path, *, max_bytes: int, timeout_seconds: float, attempts: int = 4) -> Path:
    """Stream ``url`` into ``dest``; resume with Range after a broken connection.

    Failures are classified by :mod:`tasks.http`: a transient one (dropped connection, timeout,
    408/429/5xx) is retried here, at most ``attempts`` times in all and within ``timeout_seconds``,
    resuming from the bytes already on disk; a 4xx is permanent at once. This is the only place a
    media download is repeated (the Prefect task around it adds no retries).
    """
    from reachflow.settings import get_settings

    scale = get_settings().retry_delay_scale
    dest.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_seconds
    received = 0
    with open(dest, "wb") as out:
        for attempt in range(1, attempts + 1):
            headers = {"Range": f"bytes={received}-"} if received else {}
            try:
                try:
                    with httpx.stream("GET", url, headers=headers, timeout=30, follow_redirects=True) as response:
                        check_status(response.status_code, "media download")
                        if received and response.status_code != 206:
                            out.seek(0)
                            out.truncate()
                            received = 0
                        length = response.headers.get("content-length")
                        if length and received + int(length) > max_bytes:
                            raise _size_error(max_bytes)
                        for chunk in response.iter_bytes(CHUNK):
                            received += len(chunk)
                            if received > max_bytes:
                                raise _size_error(max_bytes)
                            if time.monotonic() > deadline:
                                raise TransientError(f"media download took longer than {timeout_seconds:.0f} s")
                            out.write(chunk)
                        return dest
                except httpx.HTTPError as exc:
                    if not is_transport_failure(exc):
                        raise
                    raise transport_error(exc, "media download") from None
            except TransientError as exc:
                if attempt == attempts or time.monotonic() > deadline:
                    raise TransientError(redact(exc.message)) from None
                time.sleep(min(2**attempt * 0.25, 4) * scale)
    return dest


def download_hls(playlist_url: str, dest: Path, *, max_bytes: int, timeout_seconds: float) -> Path:
    """Fetch one HLS rendition (the lowest-bandwidth one that has audio) and repackage it."""
    deadline = time.monotonic() + timeout_seconds

    def get(url: str) -> httpx.Response:
        try:
            response = httpx.get(url, timeout=30, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise transport_error(exc, "HLS download") from None
        check_status(response.status_code, "HLS download")
        return response

    playlist = m3u8.loads(get(playlist_url).text, uri=playlist_url)
    media_url = playlist_url
    if playlist.is_variant:
        variants = [p for p in playlist.playlists if "mp4a" in (p.stream_info.codecs or "mp4a")]
        if not variants:
            raise MediaError("no usable flavor: the HLS stream has no rendition with audio")
        chosen = min(variants, key=lambda p: p.stream_info.bandwidth or 0)
        media_url = urljoin(playlist_url, chosen.uri)
        playlist = m3u8.loads(get(media_url).text, uri=media_url)
    folder = dest.parent / f"{dest.stem}-segments"
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    names = []
    for index, segment in enumerate(playlist.segments):
        if time.monotonic() > deadline:
            raise TransientError(f"HLS download took longer than {timeout_seconds:.0f} s")
        data = get(urljoin(media_url, segment.uri)).content
        total += len(data)
        if total > max_bytes:
            raise _size_error(max_bytes)
        name = f"seg{index:05d}.ts"
        (folder / name).write_bytes(data)
        names.append(name)
    if not names:
        raise MediaError("media could not be decoded: the HLS playlist has no segments")
    listing = folder / "list.txt"
    listing.write_text("".join(f"file '{n}'\n" for n in names))
    result = subprocess.run(
        [
            "ffmpeg",
            "-y",
            "-loglevel",
            "error",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-c",
            "copy",
            str(dest),
        ],
        capture_output=True,
        text=True,
    )
    shutil.rmtree(folder, ignore_errors=True)
    if result.returncode != 0:
        raise MediaError(f"media could not be decoded: {ffmpeg_reason(result.stderr)}")
    return dest


@dataclass(frozen=True)
class AudioInfo:
    path: Path
    duration: float
    sample_rate: int = 16000


def decode_to_wav(src: Path, dest: Path, sample_rate: int = 16000) -> AudioInfo:
    """16 kHz mono 16-bit WAV of ``src``'s first audio stream (ffmpeg streams; memory stays flat)."""
    if not probe(src).has_audio:
        raise MediaError("media has no audio track")
    result = subprocess.run(
        [
            "ffmpeg",
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(src),
            "-vn",
            "-map",
            "0:a:0",
            "-ac",
            "1",
            "-ar",
            str(sample_rate),
            "-c:a",
            "pcm_s16le",
            str(dest),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not dest.exists() or dest.stat().st_size <= 44:
        raise MediaError(f"media could not be decoded: {ffmpeg_reason(result.stderr)}")
    duration = (dest.stat().st_size - 44) / (2 * sample_rate)
    return AudioInfo(path=dest, duration=duration, sample_rate=sample_rate)


def apply_content_deletion_policy(workdir: Path, policy: int | None, now: datetime | None = None) -> None:
    """Delete local media now, or mark it for deletion after the profile's retention period."""
    try:
        chosen = Policy(int(policy or Policy.DO_NOTHING))
    except ValueError:
        chosen = Policy.DO_NOTHING
    if chosen == Policy.DO_NOTHING or not workdir.exists():
        return
    if chosen == Policy.DELETE_ONCE_PROCESSED:
        shutil.rmtree(workdir, ignore_errors=True)
        return
    moment = now or datetime.now(UTC)
    (workdir / DELETE_MARKER).write_text((moment + RETENTION[chosen]).isoformat())


def purge_expired(root: Path, now: datetime | None = None) -> list[Path]:
    """Remove job folders under ``root`` whose retention period has passed."""
    moment = now or datetime.now(UTC)
    removed = []
    for marker in root.glob(f"*/{DELETE_MARKER}"):
        try:
            due = datetime.fromisoformat(marker.read_text().strip())
        except ValueError:
            continue
        if due <= moment:
            shutil.rmtree(marker.parent, ignore_errors=True)
            removed.append(marker.parent)
    return removed


# ---------------------------------------------------------------------------------------------
# Prefect tasks


@dataclass(frozen=True)
class AudioTrack:
    """The job's audio, decoded for recognition."""

    wav: Path
    duration: float
    source: str  # e.g. "flavor 0_abc (url)" / "hls"


@task(name="fetch-media", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def fetch_media(
    active: ActiveJob, workdir: Path, track: Literal["audio", "video", "picture and sound"] = "audio"
) -> Path:
    """Download the entry's best flavor that really carries sound (progressive, else HLS).

    Kaltura does not say which flavors have an audio track, so candidates are tried in order
    (audio-only first, then smallest); the errDescription names what was wrong with each.
    ``track="video"``: the best flavor that really carries pictures instead
    (:func:`reachflow.media.rank_picture_flavors`), for services that look at the video;
    ``track="picture and sound"``: one that carries both, for services that mix into the sound
    what they saw in the picture.
    """
    from reachflow.media import rank_flavors, rank_picture_flavors

    settings = get_settings()
    logger = get_run_logger()
    api = active.api()
    entry_id = active.job.task.entry_id
    needs = {"audio": ("audio",), "video": ("video",), "picture and sound": ("video", "audio")}[track]
    flavors = api.list_flavors(entry_id)
    if track == "audio":
        candidates = rank_flavors(flavors)
    else:
        candidates = rank_picture_flavors(flavors, sound=track == "picture and sound")
    problems: list[str] = []
    hls_sources: list[Any] | None = None
    max_bytes, timeout = settings.max_media_bytes, settings.media_download_timeout_seconds
    for flavor in candidates:
        target = workdir / f"source-{flavor.id}.{flavor.file_ext or 'bin'}"
        try:
            try:
                download_progressive(api.flavor_url(flavor.id), target, max_bytes=max_bytes, timeout_seconds=timeout)
            except PermanentError as exc:
                if isinstance(exc, MediaError):
                    raise
                logger.warning("Progressive download of flavor %s failed (%s); trying HLS", flavor.id, exc.message)
                if hls_sources is None:
                    hls_sources = [
                        s for s in api.playback_context(entry_id, "applehttp").sources if s.format == "applehttp"
                    ]
                source = next((s for s in hls_sources if flavor.id in s.flavor_ids.split(",")), None)
                if source is None:
                    raise
                target = download_hls(
                    source.url, workdir / f"source-{flavor.id}-hls.ts", max_bytes=max_bytes, timeout_seconds=timeout
                )
            info = probe(target)
        except MediaError as exc:
            reason = "undecodable" if "could not be decoded" in exc.message else exc.message
            problems.append(f"{flavor.id} {reason}")
            continue
        missing = [need for need in needs if not (info.has_video if need == "video" else info.has_audio)]
        if missing:
            problems.append(f"{flavor.id} has no {missing[0]} track")
            continue
        logger.info("Fetched flavor %s (%s bytes, %.1f s)", flavor.id, target.stat().st_size, info.duration)
        return target
    for need in needs:
        if problems and all(p.endswith(f"no {need} track") for p in problems):
            raise MediaError(f"media has no {need} track")
    if len(needs) > 1 and problems and all(p.endswith(" track") for p in problems):
        raise MediaError(f"media has no {needs[-1]} track")  # the flavors with a picture have no sound
    if problems and all(p.endswith("undecodable") for p in problems):
        raise MediaError("media could not be decoded (" + ", ".join(problems) + ")")
    raise MediaError("no usable flavor: " + ", ".join(problems))


@task(name="decode-audio", cache_policy=NO_CACHE)
def decode_audio(media: Path, workdir: Path) -> AudioTrack:
    """16 kHz mono WAV for recognition; silent media is a MediaError that says so."""
    from reachflow.asr.nonspeech import ensure_audible

    info = decode_to_wav(media, workdir / "audio-16k.wav")
    ensure_audible(info.path)
    return AudioTrack(wav=info.path, duration=info.duration, source=media.name)

"""Media synthesis: an entry's media made from text, so its transcript is known.

Speech comes from Debian's ``espeak-ng`` (one voice per segment, so a clip can have several
speakers); ffmpeg pads silence, adds a tone bed where asked, and packages the flavors a Kaltura
entry has: an MP4 source (video + AAC audio), an audio-only M4A, a video-only MP4, and an HLS
rendition (MPEG-TS segments + index playlist) of each. Results are cached by a hash of the spec,
so a restarted sandbox is ready at once.

The picture is one plain colour, or, when the entry lists ``shots``, a sequence of shots (a
background colour each, with on-screen text drawn by ffmpeg ``drawtext``), so services that look
at the picture (audio description, chapters) find real cuts and readable text. The shot list
repeats until the sound track ends; the last shot is cut there.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["MediaBundle", "Segment", "VideoShot", "synthesize"]


@dataclass(frozen=True)
class Segment:
    """A stretch of the timeline: speech (``text``), silence (``silence``) or a tone bed (``music``)."""

    text: str = ""
    voice: str = "en"
    speed: int = 160
    silence: float = 0.0
    music: float = 0.0


@dataclass(frozen=True)
class VideoShot:
    """One shot of the picture: ``seconds`` long, a ``colour`` background, ``text`` drawn on it."""

    seconds: float
    colour: str = "0x1f3a60"
    text: str = ""
    ink: str = "white"
    font_size: int = 40


VIDEO_SIZE = "320x180"  # the plain picture
SHOTS_SIZE = "640x360"  # shots with text: large enough for OCR


@dataclass(frozen=True)
class MediaBundle:
    folder: Path
    duration: float
    wav: Path
    files: dict[str, Path]  # flavor kind -> file ("source", "audio", "video_only", "broken")
    hls: dict[str, Path]  # flavor kind -> index.m3u8


def _run(args: list[str]) -> None:
    result = subprocess.run(args, capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {result.stderr.decode(errors='replace')[-400:]}")


def _duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return float(out or 0.0)


def _segment_wav(segment: Segment, target: Path) -> None:
    if segment.text:
        raw = target.with_suffix(".raw.wav")
        _run(["espeak-ng", "-v", segment.voice, "-s", str(segment.speed), "-w", str(raw), segment.text])
        _run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(raw), "-ar", "16000", "-ac", "1", str(target)])
        raw.unlink(missing_ok=True)
    elif segment.music:
        # A chord with a slow tremolo: non-speech sound with energy, for audio-tag tests.
        _run(
            [
                "ffmpeg",
                "-y",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=220:duration={segment.music},volume=0.3",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=277:duration={segment.music}",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=330:duration={segment.music}",
                "-filter_complex",
                "amix=inputs=3,tremolo=f=4:d=0.5",
                "-ar",
                "16000",
                "-ac",
                "1",
                str(target),
            ]
        )
    else:
        _run(
            [
                "ffmpeg",
                "-y",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                "anullsrc=r=16000:cl=mono",
                "-t",
                str(max(segment.silence, 0.05)),
                str(target),
            ]
        )


def _font() -> str:
    out = subprocess.run(["fc-match", "DejaVu Sans:bold", "-f", "%{file}"], capture_output=True, text=True)
    return out.stdout.strip()


def _shots_picture(shots: list[VideoShot], duration: float, work: Path) -> Path:
    """The picture of ``shots`` (repeated up to ``duration``), H.264 at 10 fps, no sound."""
    font = _font()
    inputs: list[str] = []
    for index, shot in enumerate(shots):
        spec = f"color=c={shot.colour}:s={SHOTS_SIZE}:r=10:d={shot.seconds:.3f}"
        if shot.text:
            text_file = work / f"shot{index}.txt"
            text_file.write_text(shot.text)
            spec += (
                f",drawtext=fontfile={font}:textfile={text_file}:fontsize={shot.font_size}:fontcolor={shot.ink}"
                ":line_spacing=12:x=(w-tw)/2:y=(h-th)/2"
            )
        inputs += ["-f", "lavfi", "-i", spec]
    once = work / "shots-once.mp4"
    concat = "".join(f"[{i}]" for i in range(len(shots))) + f"concat=n={len(shots)}:v=1:a=0[v]"
    _run(["ffmpeg", "-y", "-loglevel", "error", *inputs, "-filter_complex", concat, "-map", "[v]",
          "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(once)])  # fmt: skip
    picture = work / "picture.mp4"
    _run(["ffmpeg", "-y", "-loglevel", "error", "-stream_loop", "-1", "-i", str(once), "-t", f"{duration:.3f}",
          "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(picture)])  # fmt: skip
    once.unlink(missing_ok=True)
    return picture


def synthesize(
    segments: list[Segment],
    media_dir: Path,
    *,
    pad_to_seconds: float | None = None,
    with_video: bool = True,
    loop_to_seconds: float | None = None,
    shots: list[VideoShot] | None = None,
) -> MediaBundle:
    """Make (or reuse) the media of an entry whose timeline is ``segments`` (and picture ``shots``)."""
    key = hashlib.sha256(
        json.dumps(
            {
                "v": 3,
                "segments": [s.__dict__ for s in segments],
                "pad": pad_to_seconds,
                "video": with_video,
                **({"loop": loop_to_seconds} if loop_to_seconds else {}),
                **({"shots": [s.__dict__ for s in shots]} if shots else {}),
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()[:20]
    folder = Path(media_dir) / key
    done = folder / "bundle.json"
    if done.exists():
        meta = json.loads(done.read_text())
        return MediaBundle(
            folder,
            meta["duration"],
            folder / "audio.wav",
            {k: folder / v for k, v in meta["files"].items()},
            {k: folder / v for k, v in meta["hls"].items()},
        )
    work = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=media_dir))
    try:
        parts = []
        for index, segment in enumerate(segments):
            part = work / f"part{index}.wav"
            _segment_wav(segment, part)
            parts.append(part)
        listing = work / "parts.txt"
        listing.write_text("".join(f"file '{p.name}'\n" for p in parts))
        wav = work / "audio.wav"
        concat = ["ffmpeg", "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(listing)]
        if pad_to_seconds:
            concat += ["-af", f"apad=whole_dur={pad_to_seconds}"]
        _run([*concat, "-ar", "16000", "-ac", "1", str(wav)])
        if loop_to_seconds:
            # Long entries (benchmarks): the timeline repeated up to the length, made by ffmpeg.
            once = work / "once.wav"
            wav.rename(once)
            _run(
                [
                    "ffmpeg",
                    "-y",
                    "-loglevel",
                    "error",
                    "-stream_loop",
                    "-1",
                    "-i",
                    str(once),
                    "-t",
                    str(loop_to_seconds),
                    "-ar",
                    "16000",
                    "-ac",
                    "1",
                    str(wav),
                ]
            )
        duration = _duration(wav)
        files: dict[str, str] = {}
        # Audio-only flavor (AAC in M4A).
        _run(
            [
                "ffmpeg",
                "-y",
                "-loglevel",
                "error",
                "-i",
                str(wav),
                "-c:a",
                "aac",
                "-b:a",
                "64k",
                str(work / "audio.m4a"),
            ]
        )
        files["audio"] = "audio.m4a"
        if with_video:
            if shots:
                video = ["-i", str(_shots_picture(shots, duration, work))]
            else:
                video = ["-f", "lavfi", "-i", f"color=c=0x1f3a60:s={VIDEO_SIZE}:r=10:d={duration:.3f}"]
            _run(
                [
                    "ffmpeg",
                    "-y",
                    "-loglevel",
                    "error",
                    *video,
                    "-i",
                    str(wav),
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-pix_fmt",
                    "yuv420p",
                    "-c:a",
                    "aac",
                    "-b:a",
                    "64k",
                    "-shortest",
                    "-movflags",
                    "+faststart",
                    str(work / "source.mp4"),
                ]
            )
            files["source"] = "source.mp4"
            _run(
                [
                    "ffmpeg",
                    "-y",
                    "-loglevel",
                    "error",
                    *video,
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-pix_fmt",
                    "yuv420p",
                    "-an",
                    str(work / "video_only.mp4"),
                ]
            )
            files["video_only"] = "video_only.mp4"
            (work / "picture.mp4").unlink(missing_ok=True)
        (work / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"not really a movie " * 64)
        files["broken"] = "broken.mp4"
        hls: dict[str, str] = {}
        for kind in ("source", "audio", "video_only"):
            if kind not in files:
                continue
            out = work / f"hls-{kind}"
            out.mkdir()
            _run(
                [
                    "ffmpeg",
                    "-y",
                    "-loglevel",
                    "error",
                    "-i",
                    str(work / files[kind]),
                    "-c",
                    "copy",
                    "-f",
                    "hls",
                    "-hls_time",
                    "4",
                    "-hls_list_size",
                    "0",
                    "-hls_playlist_type",
                    "vod",
                    "-hls_segment_filename",
                    str(out / "seg-%d-v1-a1.ts"),
                    str(out / "index.m3u8"),
                ]
            )
            hls[kind] = f"hls-{kind}/index.m3u8"
        (work / "bundle.json").write_text(json.dumps({"duration": duration, "files": files, "hls": hls}))
        try:
            work.rename(folder)
        except OSError:  # another process made it first
            shutil.rmtree(work, ignore_errors=True)
        return synthesize(
            segments,
            media_dir,
            pad_to_seconds=pad_to_seconds,
            with_video=with_video,
            loop_to_seconds=loop_to_seconds,
            shots=shots,
        )
    except Exception:
        shutil.rmtree(work, ignore_errors=True)
        raise


def probe(path: Path) -> dict[str, Any]:
    """Container/codec facts Kaltura reports on a flavor.

    Media is cached by content, so the answer is cached beside the file (``<file>.probe.json``):
    building a scenario again costs no ffprobe run.
    """
    path = Path(path)
    cached = path.with_name(path.name + ".probe.json")
    try:
        if cached.stat().st_mtime >= path.stat().st_mtime:
            return dict(json.loads(cached.read_text()))
    except (OSError, ValueError):
        pass
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
    )
    facts: dict[str, Any] = json.loads(out.stdout) if out.returncode == 0 else {}
    try:
        partial = cached.with_name(cached.name + f".{os.getpid()}")
        partial.write_text(json.dumps(facts))
        partial.replace(cached)  # atomic: parallel test processes share the cache
    except OSError:
        pass
    return facts

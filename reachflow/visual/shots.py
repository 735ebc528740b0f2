"""Shot cuts (ffmpeg scene detection) and one keyframe per shot."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from reachflow.errors import MediaError
from reachflow.ffmpeg import probe, run_ffmpeg

__all__ = ["SCENE_THRESHOLD", "Shot", "detect_shots", "extract_keyframes"]

# ffmpeg's scene score (0-1) above which a frame starts a new shot; 0.3-0.4 finds hard cuts and
# ignores camera motion on ordinary footage.
SCENE_THRESHOLD = 0.3
_MIN_SHOT = 0.5


@dataclass(frozen=True)
class Shot:
    """One shot: ``index`` from 0, times in seconds."""

    index: int
    start: float
    end: float

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start


def detect_shots(video: str | os.PathLike[str], *, threshold: float = SCENE_THRESHOLD) -> list[Shot]:
    """The shots of ``video``, from ffmpeg's scene-change score on a 320-pixel-wide copy.

    Cuts closer than half a second to the previous one are ignored (flashes, fades).

    Raises:
        MediaError: the media has no video track or cannot be decoded.
    """
    info = probe(video)
    if not info.has_video:
        raise MediaError("the media has no video track")
    log = run_ffmpeg(
        ["-i", os.fspath(video), "-an", "-sn", "-vf", f"scale=320:-2,select='gt(scene,{threshold})',showinfo",
         "-f", "null", "-"]
    )  # fmt: skip
    cuts: list[float] = []
    for match in re.finditer(r"Parsed_showinfo.*?pts_time:\s*([0-9.]+)", log):
        at = float(match.group(1))
        if at - (cuts[-1] if cuts else 0.0) >= _MIN_SHOT and info.duration - at >= _MIN_SHOT / 2:
            cuts.append(at)
    bounds = [0.0, *cuts, info.duration]
    return [Shot(i, round(bounds[i], 3), round(bounds[i + 1], 3)) for i in range(len(bounds) - 1)]


def extract_keyframes(video: str | os.PathLike[str], shots: list[Shot], out_dir: str | os.PathLike[str]) -> list[Path]:
    """One PNG per shot, taken from the middle of the shot (past any fade-in), named ``shot-NNN.png``."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    frames = []
    for shot in shots:
        at = shot.start + min(shot.duration / 2, 1.0)
        path = folder / f"shot-{shot.index:03d}.png"
        run_ffmpeg(["-ss", f"{at:.3f}", "-i", os.fspath(video), "-frames:v", "1", "-an", str(path)], timeout=120)
        if not path.is_file():
            raise MediaError(f"no frame could be read at {at:.1f} s")
        frames.append(path)
    return frames

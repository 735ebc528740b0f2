"""A contact sheet: every shot's keyframe on one picture, labelled with its number and time, for
the person writing human audio descriptions."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reachflow.visual.shots import Shot

__all__ = ["contact_sheet"]


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes // 60:d}:{minutes % 60:02d}:{rest:02d}" if minutes >= 60 else f"{minutes:d}:{rest:02d}"


def contact_sheet(
    shots: Sequence[Shot],
    keyframes: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    columns: int = 4,
    width: int = 320,
) -> Path:
    """Tile the keyframes (``width`` pixels each, ``columns`` per row) into one JPEG or PNG.

    Each tile is labelled "shot N  m:ss" (its start). Returns ``out``.
    """
    import cv2

    tiles = []
    for shot, frame in zip(shots, keyframes, strict=True):
        picture = cv2.imread(os.fspath(frame), cv2.IMREAD_COLOR)
        if picture is None:
            picture = np.zeros((180, 320, 3), np.uint8)
        height = max(1, round(picture.shape[0] * width / picture.shape[1]))
        tile = cv2.resize(picture, (width, height))
        label = f"shot {shot.index + 1}  {_clock(shot.start)}"
        cv2.rectangle(tile, (0, 0), (width, 24), (0, 0, 0), thickness=-1)
        cv2.putText(tile, label, (6, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
        tiles.append(tile)
    if not tiles:
        raise ValueError("a contact sheet needs at least one keyframe")
    tile_height = max(t.shape[0] for t in tiles)
    rows = math.ceil(len(tiles) / columns)
    sheet = np.full((rows * tile_height, min(columns, len(tiles)) * width, 3), 255, np.uint8)
    for i, tile in enumerate(tiles):
        row, column = divmod(i, columns)
        sheet[row * tile_height : row * tile_height + tile.shape[0], column * width : (column + 1) * width] = tile
    path = Path(out)
    if not cv2.imwrite(str(path), sheet):
        raise OSError(f"cannot write the contact sheet {path.name}")
    return path

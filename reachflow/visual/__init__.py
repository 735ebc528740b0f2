"""Visual signals for audio description (offline): shot cuts, keyframes, on-screen text, faces,
and the plain sentences built from them.

See :mod:`reachflow.visual.signals` for what machine description can and cannot see.
"""

from __future__ import annotations

from reachflow.visual.describe import (
    Description,
    ShotSignals,
    analyse_shots,
    describe_shot,
    describe_shots,
    speaking_seconds,
)
from reachflow.visual.sheet import contact_sheet
from reachflow.visual.shots import Shot, detect_shots, extract_keyframes
from reachflow.visual.signals import count_faces, read_text

__all__ = [
    "Description",
    "Shot",
    "ShotSignals",
    "analyse_shots",
    "contact_sheet",
    "count_faces",
    "describe_shot",
    "describe_shots",
    "detect_shots",
    "extract_keyframes",
    "read_text",
    "speaking_seconds",
]

"""Machine audio description: visual signals per shot turned into short sentences that fit pauses.

A description is built only from what :mod:`reachflow.visual.signals` can see (on-screen text and
a face count) and placed in a speech pause (:mod:`reachflow.audio.pauses`) that overlaps its shot,
at a natural speaking rate. Text that does not fit is shortened at a word boundary; a shot whose
description cannot fit at all is left out (a person can add it in the human variant).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reachflow.audio.pauses import Pause
from reachflow.visual.shots import Shot, detect_shots, extract_keyframes
from reachflow.visual.signals import count_faces, read_text

__all__ = [
    "PAUSE_MARGIN",
    "WORDS_PER_SECOND",
    "Description",
    "ShotSignals",
    "analyse_shots",
    "describe_shot",
    "describe_shots",
    "speaking_seconds",
]

# A natural description pace: about 150 words a minute.
WORDS_PER_SECOND = 2.5
PAUSE_MARGIN = 0.3  # seconds of quiet kept at each end of a pause
_LEAD = PAUSE_MARGIN

# "A new scene." before what a later shot shows (describe_shots(announce_scenes=True)).
_NEW_SCENE = {"en": "A new scene.", "es": "Nueva escena.", "fr": "Nouvelle scène.", "de": "Neue Szene.",
              "it": "Nuova scena.", "pt": "Nova cena."}  # fmt: skip

_PHRASES: dict[str, dict[str, str]] = {
    "en": {"text": "On screen: {text}.", "one": "A person appears.", "many": "{n} people appear.", "two": "Two people appear."},
    "es": {"text": "En pantalla: {text}.", "one": "Aparece una persona.", "many": "Aparecen {n} personas.", "two": "Aparecen dos personas."},
    "fr": {"text": "À l'écran : {text}.", "one": "Une personne apparaît.", "many": "{n} personnes apparaissent.", "two": "Deux personnes apparaissent."},
    "de": {"text": "Eingeblendet: {text}.", "one": "Eine Person erscheint.", "many": "{n} Personen erscheinen.", "two": "Zwei Personen erscheinen."},
    "it": {"text": "Sullo schermo: {text}.", "one": "Appare una persona.", "many": "Appaiono {n} persone.", "two": "Appaiono due persone."},
    "pt": {"text": "Na tela: {text}.", "one": "Aparece uma pessoa.", "many": "Aparecem {n} pessoas.", "two": "Aparecem duas pessoas."},
}  # fmt: skip


@dataclass(frozen=True)
class ShotSignals:
    """What was seen in one shot."""

    shot: Shot
    keyframe: Path | None = None
    text: list[str] = field(default_factory=list)
    faces: int = 0


@dataclass(frozen=True)
class Description:
    """A sentence to speak from ``start`` within its pause (``pause_end`` is the latest it may end)."""

    start: float
    end: float
    text: str
    shot_index: int
    pause_end: float


def speaking_seconds(text: str, words_per_second: float = WORDS_PER_SECOND) -> float:
    """How long ``text`` takes to say at a natural pace."""
    return len(text.split()) / words_per_second


def analyse_shots(
    video: str | os.PathLike[str], keyframe_dir: str | os.PathLike[str], *, language: str = "en"
) -> list[ShotSignals]:
    """Shot cuts, one keyframe per shot, its on-screen text (in ``language``) and face count."""
    shots = detect_shots(video)
    frames = extract_keyframes(video, shots, keyframe_dir)
    return [
        ShotSignals(shot, frame, read_text(frame, language), count_faces(frame))
        for shot, frame in zip(shots, frames, strict=True)
    ]


def _phrases(language: str) -> dict[str, str]:
    return _PHRASES.get(language.split("-")[0].lower(), _PHRASES["en"])


def describe_shot(signals: ShotSignals, language: str = "en", *, previous_text: Sequence[str] = ()) -> list[str]:
    """Plain sentences for one shot: who appears, then any new on-screen text."""
    phrases = _phrases(language)
    sentences = []
    if signals.faces == 1:
        sentences.append(phrases["one"])
    elif signals.faces == 2:
        sentences.append(phrases["two"])
    elif signals.faces > 2:
        sentences.append(phrases["many"].format(n=signals.faces))
    new_text = [line for line in signals.text if line not in previous_text]
    if new_text:
        joined = ". ".join(line.rstrip(" .:;,") for line in new_text)
        sentences.append(phrases["text"].format(text=joined))
    return sentences


def _shorten(sentences: list[str], max_words: int) -> str:
    """The sentences cut to ``max_words`` words at a word boundary (whole sentences first)."""
    out: list[str] = []
    used = 0
    for sentence in sentences:
        words = sentence.split()
        if used + len(words) <= max_words:
            out.append(sentence)
            used += len(words)
            continue
        room = max_words - used
        if room >= 3:
            out.append(" ".join(words[:room]).rstrip(" .,:;") + ".")
        break
    return " ".join(out)


def describe_shots(
    signals: Sequence[ShotSignals],
    pauses: Sequence[Pause],
    language: str = "en",
    *,
    words_per_second: float = WORDS_PER_SECOND,
    min_words: int = 2,
    announce_scenes: bool = False,
) -> list[Description]:
    """Descriptions placed in the pauses: each shot's sentences go into the first pause that
    overlaps the shot and still has room, starting no earlier than the shot.

    Args:
        signals: per shot, from :func:`analyse_shots`.
        pauses: speech pauses (at least ~2 s).
        language: the language to describe in (the entry's source language).
        words_per_second: the speaking pace the text must fit at.
        min_words: a shortened description with fewer words is left out.
        announce_scenes: begin a later shot's description with "A new scene." where it fits
            whole (it is left out before it would shorten what the shot shows).
    """
    free = {i: pause.start + _LEAD for i, pause in enumerate(pauses)}
    out: list[Description] = []
    previous: list[str] = []
    for item in sorted(signals, key=lambda s: s.shot.start):
        sentences = describe_shot(item, language, previous_text=previous)
        previous = list(item.text)
        if not sentences:
            continue
        scene = _NEW_SCENE.get(language.split("-")[0].lower(), _NEW_SCENE["en"])
        announced = [scene, *sentences] if announce_scenes and item.shot.index > 0 else sentences
        for i, pause in enumerate(pauses):
            start = max(free[i], item.shot.start)
            latest = pause.end - _LEAD
            if (
                pause.end <= item.shot.start
                or pause.start >= item.shot.end
                or latest - start < min_words / words_per_second
            ):
                continue
            room = int((latest - start) * words_per_second + 1e-6)
            whole = " ".join(announced)
            text = whole if len(whole.split()) <= room else _shorten(sentences, room)
            if len(text.split()) < min_words:
                continue
            end = start + speaking_seconds(text, words_per_second)
            out.append(Description(round(start, 3), round(end, 3), text, item.shot.index, round(latest, 3)))
            free[i] = end + _LEAD
            break
    return out

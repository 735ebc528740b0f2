"""Whole tracks from a script: what the dubbing and audio-description flows call, one step each.

* :func:`synthesize_script`: one utterance per script line in the voice (the slow step: run it
  as its own task, with a checkpoint, and report progress).
* :func:`make_track`: place the utterances in their slots and mix them over the original.
* :func:`check_recorded_track`: the problems of a track a person uploaded (human dubbing), in
  plain words for the re-ask form; a good one is delivered with :func:`conform_track`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reachflow.audio.fit import FitFinding, Placement, Utterance, place_utterances
from reachflow.audio.mix import Bitrate, MixResult, voice_over_mix
from reachflow.errors import MediaError
from reachflow.ffmpeg import measure_loudness, probe
from reachflow.voices.base import Voice

__all__ = ["ScriptLine", "Track", "check_recorded_track", "conform_track", "make_track", "synthesize_script"]


@dataclass(frozen=True)
class ScriptLine:
    """A line to speak and its slot: a translated cue (dubbing) or a description in its pause."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Track:
    """A produced track and what did not fit (for the job report)."""

    mix: MixResult
    placement: Placement

    @property
    def findings(self) -> list[FitFinding]:
        """Lines that did not fit their slot."""
        return self.placement.findings


def synthesize_script(
    lines: Sequence[ScriptLine],
    voice: Voice,
    *,
    speed: float = 1.0,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[Utterance]:
    """Speak every non-empty line with ``voice`` at ``speed``; ``on_progress(done, total)`` after each."""
    spoken = [line for line in lines if line.text.strip()]
    utterances = []
    for done, line in enumerate(spoken, start=1):
        utterances.append(Utterance(line.start, line.end, line.text, voice.synthesize(line.text, speed=speed)))
        if on_progress is not None:
            on_progress(done, len(spoken))
    return utterances


def make_track(
    original: str | os.PathLike[str],
    utterances: Sequence[Utterance],
    out: str | os.PathLike[str],
    *,
    bitrate: Bitrate = 128,
    duration: float | None = None,
    into_pauses: bool = False,
) -> Track:
    """Fit the utterances into their slots and mix them over the (ducked) original.

    With ``into_pauses`` (dubbing) a line may run into the silence after its slot before it is
    sped up (see :func:`reachflow.audio.fit.place_utterances`).

    Raises:
        MediaError: no audio track, silent or undecodable original.
    """
    length = duration or probe(original).duration
    placement = place_utterances(utterances, length, into_pauses=into_pauses)
    mix = voice_over_mix(original, placement.utterances, out, bitrate=bitrate, duration=length)
    return Track(mix, placement)


def check_recorded_track(
    path: str | os.PathLike[str], expected_duration: float, *, tolerance: float = 1.0
) -> list[str]:
    """Why a recorded track cannot be delivered (empty when it can): readable, has sound, right length."""
    try:
        info = probe(path)
    except MediaError:
        return ["the file cannot be decoded as audio"]
    if not info.has_audio:
        return ["the file has no audio track"]
    problems = []
    if abs(info.duration - expected_duration) > tolerance:
        problems.append(
            f"the track lasts {info.duration:.1f} s but the media lasts {expected_duration:.1f} s "
            f"(it must be within {tolerance:g} s)"
        )
    loudness = measure_loudness(path, true_peak=False)
    if loudness.silent or not math.isfinite(loudness.integrated):
        problems.append("the track is silent")
    return problems


def conform_track(
    recorded: str | os.PathLike[str], out: str | os.PathLike[str], duration: float, *, bitrate: Bitrate = 128
) -> MixResult:
    """A person's recorded track in the delivery format: -23 LUFS, MP4 AAC-LC, exactly ``duration``."""
    return voice_over_mix(recorded, [], Path(out), bitrate=bitrate, duration=duration)

"""Fitting synthesised utterances into their time slots, and placing them on the timeline.

An utterance's room is its slot (the cue's time) and, when the caller allows it (dubbing), the
silence after the slot up to the next utterance's start less a small gap: a dubbed line may run
into a pause before it is sped up, as dubbing studios let it (:func:`room_ends`). An utterance
longer than its room is then sped up with ffmpeg ``atempo`` (pitch kept) up to ``max_tempo`` (1.3x
by default: faster than that stops sounding natural). Text that still does not fit is never cut:
it runs on past its room (pushing later utterances back) and is reported as a :class:`FitFinding`
for the job report. Only the media's end is a hard limit; an utterance that would cross it is cut
at the last pause between words before the end (never inside a word), or dropped when it has
none, and that is reported too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reachflow.ffmpeg import run_ffmpeg
from reachflow.voices.base import Speech, trim_silence

__all__ = [
    "MAX_TEMPO",
    "FitFinding",
    "PlacedUtterance",
    "Placement",
    "Utterance",
    "change_tempo",
    "cut_at_pause",
    "fit_to_slot",
    "place_utterances",
    "room_ends",
]

MAX_TEMPO = 1.3


@dataclass(frozen=True)
class Utterance:
    """What to say and the slot it belongs in (seconds from the media's start)."""

    start: float
    end: float
    text: str
    speech: Speech


@dataclass(frozen=True)
class PlacedUtterance:
    """An utterance as it will sound in the mix: its samples start at ``start``."""

    index: int
    text: str
    start: float
    speech: Speech
    tempo: float
    slot_start: float
    slot_end: float

    @property
    def end(self) -> float:
        """When the utterance stops."""
        return self.start + self.speech.duration


@dataclass(frozen=True)
class FitFinding:
    """An utterance that did not fit its room (text too long), for the job report.

    ``slot_seconds`` is the room it had: its slot, plus the pause after it where that was allowed.
    """

    index: int
    text: str
    slot_seconds: float
    speech_seconds: float
    needed_tempo: float
    overflow_seconds: float
    cut: bool = False
    dropped: bool = False

    @property
    def message(self) -> str:
        """One line for the job report."""
        head = f"utterance {self.index + 1} needs {self.needed_tempo:.2f}x to fit {self.slot_seconds:.1f} s"
        if self.dropped:
            return f"{head}; no room before the media ends and no pause to cut at: not spoken"
        if self.cut:
            return f"{head}; cut at a pause between words {self.overflow_seconds:.1f} s early at the media's end"
        return f"{head}; spoken at {MAX_TEMPO:g}x, running {self.overflow_seconds:.1f} s past that (shorten the text)"


@dataclass
class Placement:
    """Every placed utterance, in time order, and what did not fit.

    ``over_cue`` counts the utterances that would not have fitted their cue alone even at the
    fastest tempo (what was flagged before lines could run into the pause after their cue);
    ``into_pause`` counts those that used some of that pause.
    """

    utterances: list[PlacedUtterance] = field(default_factory=list)
    findings: list[FitFinding] = field(default_factory=list)
    over_cue: int = 0
    into_pause: int = 0


def room_ends(
    slots: Sequence[tuple[float, float]], media_duration: float, *, gap: float = 0.05, into_pauses: bool = True
) -> list[float]:
    """Where each slot's room ends: its own end, or (``into_pauses``) the next slot's start less ``gap``.

    The room never ends before the slot does (overlapping slots keep their own end) nor past
    ``media_duration`` (a recognised cue may end a little after the media does: its line is then
    sped up to end with the media rather than cut there).

    Args:
        slots: ``(start, end)`` of each utterance, in any order; the result is in the same order.
        media_duration: the media's length in seconds.
        gap: the least silence left before the next slot's start.
        into_pauses: whether a slot may use the silence after it.

    Example:
        >>> room_ends([(0.0, 2.0), (3.0, 4.0), (4.02, 6.0)], 10.0)
        [2.95, 4.0, 10.0]
    """
    ends = [end for _, end in slots]
    if not into_pauses:
        return ends
    order = sorted(range(len(slots)), key=lambda i: (slots[i][0], i))
    for position, index in enumerate(order):
        following = order[position + 1] if position + 1 < len(order) else None
        limit = media_duration if following is None else min(slots[following][0] - gap, media_duration)
        ends[index] = min(max(ends[index], round(limit, 6)), media_duration)
    return ends


def change_tempo(speech: Speech, tempo: float) -> Speech:
    """``speech`` played ``tempo`` times faster with its pitch kept (ffmpeg ``atempo``, 0.5–2.0)."""
    if abs(tempo - 1.0) < 1e-3 or len(speech.samples) == 0:
        return speech
    tempo = min(2.0, max(0.5, tempo))
    with tempfile.TemporaryDirectory(prefix="reachflow-tempo-") as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.raw"
        speech.write_wav(src)
        run_ffmpeg(["-i", str(src), "-af", f"atempo={tempo:.4f}", "-f", "f32le", "-ac", "1", str(dst)], timeout=120)
        samples = np.fromfile(dst, dtype="<f4")
    return Speech(samples, speech.sample_rate)


def fit_to_slot(speech: Speech, slot_seconds: float, *, max_tempo: float = MAX_TEMPO) -> tuple[Speech, float]:
    """``speech`` sped up just enough to last at most ``slot_seconds``, but never beyond ``max_tempo``.

    Returns:
        The (possibly faster) speech and the tempo used. When even ``max_tempo`` is not enough
        the result is longer than the slot: the caller reports it; no word is removed.
    """
    speech = Speech(trim_silence(speech.samples, speech.sample_rate), speech.sample_rate)
    if speech.duration <= slot_seconds or slot_seconds <= 0:
        return (speech, 1.0) if speech.duration <= slot_seconds else (change_tempo(speech, max_tempo), max_tempo)
    tempo = min(max_tempo, speech.duration / slot_seconds * 1.01)
    while True:
        fitted = change_tempo(speech, tempo)
        if fitted.duration <= slot_seconds or tempo >= max_tempo:
            return fitted, tempo
        tempo = min(max_tempo, tempo * (fitted.duration / slot_seconds) * 1.01)


def cut_at_pause(
    speech: Speech, limit_seconds: float, *, min_pause: float = 0.06, threshold: float = 0.02
) -> Speech | None:
    """``speech`` ended at the last pause between words that starts before ``limit_seconds``.

    Returns None when there is no such pause (the utterance cannot be shortened without cutting
    a word).
    """
    if speech.duration <= limit_seconds:
        return speech
    rate = speech.sample_rate
    hop = max(1, int(0.01 * rate))
    frames = len(speech.samples) // hop
    if frames == 0:
        return None
    energy = np.sqrt(np.mean(speech.samples[: frames * hop].reshape(frames, hop) ** 2, axis=1))
    quiet = energy < threshold
    need = max(1, round(min_pause / 0.01))
    limit_frame = min(frames, int(limit_seconds * rate) // hop)
    best: int | None = None
    run = 0
    for i in range(limit_frame):
        run = run + 1 if quiet[i] else 0
        if run >= need and i - run + 1 > 0:
            best = i - run + 1
    if best is None:
        return None
    cut = trim_silence(speech.samples[: best * hop], rate)
    return Speech(cut, rate) if len(cut) else None


def place_utterances(
    utterances: Sequence[Utterance],
    media_duration: float,
    *,
    max_tempo: float = MAX_TEMPO,
    gap: float = 0.05,
    into_pauses: bool = False,
) -> Placement:
    """Fit each utterance into its room and put it on the timeline, in time order.

    An utterance starts at its slot's start, or just after the previous one when that one ran
    over. Its room ends at its slot's end or, with ``into_pauses``, at the next utterance's start
    less ``gap`` (:func:`room_ends`): it is sped up only when its natural length does not fit the
    room. Overflow is reported, not cut. Nothing goes past ``media_duration``.

    Args:
        utterances: the slots and their synthesised speech.
        media_duration: the media's length in seconds (the mix keeps it exactly).
        max_tempo: the fastest speed-up allowed.
        gap: the least silence between two utterances.
        into_pauses: let an utterance run into the silence after its slot before speeding it up
            (dubbing: yes; audio description, whose slots are the pauses themselves: no).
    """
    plan = Placement()
    cursor = 0.0
    rooms = room_ends([(u.start, u.end) for u in utterances], media_duration, gap=gap, into_pauses=into_pauses)
    ordered = sorted(enumerate(utterances), key=lambda item: (item[1].start, item[0]))
    for index, utterance in ordered:
        start = max(utterance.start, cursor + gap if plan.utterances else 0.0, 0.0)
        natural = trim_silence(utterance.speech.samples, utterance.speech.sample_rate)
        natural_seconds = len(natural) / utterance.speech.sample_rate
        cue = utterance.end - utterance.start
        if natural_seconds > cue * max_tempo + 1e-3:
            plan.over_cue += 1
        if start >= media_duration:
            plan.findings.append(
                FitFinding(index, utterance.text, 0.0, natural_seconds, float("inf"), natural_seconds, dropped=True)
            )
            continue
        slot = max(0.0, rooms[index] - start)
        fitted, tempo = fit_to_slot(utterance.speech, slot, max_tempo=max_tempo)
        needed = natural_seconds / slot if slot > 0 else float("inf")
        if start + fitted.duration > media_duration:
            shorter = cut_at_pause(fitted, media_duration - start)
            if shorter is None:
                plan.findings.append(
                    FitFinding(index, utterance.text, slot, natural_seconds, needed, fitted.duration, dropped=True)
                )
                continue
            plan.findings.append(
                FitFinding(
                    index, utterance.text, slot, natural_seconds, needed, fitted.duration - shorter.duration, cut=True
                )
            )
            fitted = shorter
        elif fitted.duration > slot + 1e-3:
            plan.findings.append(
                FitFinding(index, utterance.text, slot, natural_seconds, needed, fitted.duration - slot)
            )
        if start + fitted.duration > utterance.end + 1e-3:
            plan.into_pause += 1
        placed = PlacedUtterance(index, utterance.text, start, fitted, tempo, utterance.start, utterance.end)
        plan.utterances.append(placed)
        cursor = placed.end
    return plan

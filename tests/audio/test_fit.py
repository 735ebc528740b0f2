"""Fitting utterances into slots: sped up at most 1.3x, never cut mid-word, overflow reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reachflow.asr.faster import FasterWhisperEngine
from reachflow.audio.fit import (
    MAX_TEMPO,
    Utterance,
    change_tempo,
    cut_at_pause,
    fit_to_slot,
    place_utterances,
    room_ends,
)
from reachflow.voices import Speech, require_voice
from reachflow.voices.base import trim_silence
from tests.voices.helpers import to_wav16k, wer


@pytest.fixture(scope="module")
def tiny(session_dir: Path) -> FasterWhisperEngine:
    return FasterWhisperEngine("tiny.en", cpu_threads=2, guard=False, models_dir=session_dir / "reachflow" / "models")


def test_tempo_keeps_the_pitch(english_speech: Speech) -> None:
    faster = change_tempo(english_speech, 1.25)
    assert faster.duration == pytest.approx(english_speech.duration / 1.25, rel=0.03)

    def pitch(samples: np.ndarray, rate: int) -> float:
        spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
        freqs = np.fft.rfftfreq(len(samples), 1 / rate)
        band = (freqs > 60) & (freqs < 400)
        return float(freqs[band][np.argmax(spectrum[band])])

    assert pitch(faster.samples, faster.sample_rate) == pytest.approx(
        pitch(english_speech.samples, english_speech.sample_rate), rel=0.1
    )


def test_a_fitted_utterance_never_exceeds_its_slot_and_keeps_every_word(
    tiny: FasterWhisperEngine, tmp_path: Path
) -> None:
    sentence = "The meeting has been moved to Thursday afternoon."
    speech = require_voice("en").synthesize(sentence)
    natural = len(trim_silence(speech.samples, speech.sample_rate)) / speech.sample_rate
    for ratio in (1.0, 1.1, 1.25):
        slot = natural / ratio
        fitted, tempo = fit_to_slot(speech, slot)
        assert fitted.duration <= slot
        assert tempo <= MAX_TEMPO
    heard = tiny.transcribe(to_wav16k(fitted, tmp_path / "fitted.wav"), language="en", vad_filter=False).text
    assert wer(sentence, heard) <= 0.15, heard


def test_text_too_long_is_reported_and_runs_over_instead_of_being_cut(english_speech: Speech) -> None:
    natural = len(trim_silence(english_speech.samples, english_speech.sample_rate)) / english_speech.sample_rate
    slot = natural / 2
    plan = place_utterances(
        [Utterance(1.0, 1.0 + slot, "long", english_speech), Utterance(2.0, 8.0, "next", english_speech)], 60.0
    )
    first, second = plan.utterances
    assert first.tempo == MAX_TEMPO
    assert first.speech.duration == pytest.approx(natural / MAX_TEMPO, rel=0.03)  # all of it, only faster
    assert second.start >= first.end  # pushed back, never overlapping
    (finding,) = plan.findings
    assert finding.index == 0 and finding.needed_tempo == pytest.approx(2.0, rel=0.05)
    assert finding.overflow_seconds > 0 and "shorten the text" in finding.message


def test_at_the_media_end_speech_is_cut_only_at_a_pause_between_words(english_speech: Speech) -> None:
    natural = len(trim_silence(english_speech.samples, english_speech.sample_rate)) / english_speech.sample_rate
    limit = natural * 0.75
    cut = cut_at_pause(english_speech, limit)
    assert cut is not None and cut.duration <= limit
    # it ends where a sentence or word ends: quiet right after the cut in the original
    tail = english_speech.samples[len(cut.samples) : len(cut.samples) + int(0.03 * english_speech.sample_rate)]
    assert float(np.sqrt(np.mean(tail**2))) < 0.02
    plan = place_utterances([Utterance(10.0, 11.0, "end", english_speech)], 10.0 + limit)
    assert plan.utterances[0].end <= 10.0 + limit
    assert plan.findings[0].cut


def test_speech_with_no_pause_before_the_end_is_dropped_not_cut() -> None:
    tone = Speech(0.5 * np.sin(np.linspace(0, 2000 * np.pi, 24_000)).astype(np.float32), 24_000)
    plan = place_utterances([Utterance(9.5, 10.0, "tone", tone)], 10.0)
    assert plan.utterances == [] and plan.findings[0].dropped


def test_a_room_runs_to_the_next_slot_less_the_gap_never_shorter_than_the_slot() -> None:
    slots = [(3.0, 4.0), (0.0, 2.0), (4.02, 6.0), (5.0, 7.0)]  # any order; the last two overlap
    assert room_ends(slots, 10.0, gap=0.05) == [4.0, 2.95, 6.0, 10.0]  # 4.02 - 0.05 < 4.0: its own end
    assert room_ends(slots, 10.0, into_pauses=False) == [4.0, 2.0, 6.0, 7.0]
    assert room_ends([(8.0, 9.0)], 8.5) == [8.5]  # never past the media's end
    assert room_ends([], 10.0) == []


def test_a_line_runs_into_the_pause_after_its_cue_before_it_is_sped_up(english_speech: Speech) -> None:
    natural = len(trim_silence(english_speech.samples, english_speech.sample_rate)) / english_speech.sample_rate
    cue = natural / 1.5  # 1.5x: over the 1.3x allowed in its cue alone
    lines = [
        Utterance(1.0, 1.0 + cue, "long", english_speech),
        Utterance(1.0 + natural + 1.0, 30.0, "next", english_speech),
    ]
    plan = place_utterances(lines, 60.0, into_pauses=True)
    first, second = plan.utterances
    assert first.tempo == 1.0 and first.start == 1.0  # all the pause it needs, no speed-up
    assert first.end <= second.start - 0.05
    assert plan.findings == [] and plan.over_cue == 1 and plan.into_pause == 1
    # Without the pause (audio description's rule) the same line is flagged.
    assert [f.index for f in place_utterances(lines, 60.0).findings] == [0]


def test_a_line_longer_than_its_cue_and_pause_is_sped_up_only_to_fill_both(english_speech: Speech) -> None:
    natural = len(trim_silence(english_speech.samples, english_speech.sample_rate)) / english_speech.sample_rate
    room = natural / 1.2
    lines = [
        Utterance(1.0, 1.0 + room / 2, "long", english_speech),
        Utterance(1.0 + room + 0.05, 40.0, "next", english_speech),
    ]
    plan = place_utterances(lines, 60.0, into_pauses=True)
    first = plan.utterances[0]
    assert 1.15 <= first.tempo <= 1.25  # about 1.2x, not the 2.4x its cue alone would need
    assert first.end <= 1.0 + room + 1e-3
    assert plan.findings == []
    # More than 1.3x over cue and pause: spoken at 1.3x, every word, and reported.
    lines = [
        Utterance(1.0, 1.0 + natural / 3, "long", english_speech),
        Utterance(1.0 + natural / 2, 40.0, "x", english_speech),
    ]
    (finding,) = place_utterances(lines, 60.0, into_pauses=True).findings
    assert finding.index == 0 and finding.needed_tempo == pytest.approx(2.0, rel=0.05)

"""MFCC + BIC speaker change on espeak voices: finds the turns, no false alarm in one voice."""

from __future__ import annotations

from pathlib import Path

from reachflow.asr.synthetic import ENGLISH_SENTENCES, concatenate, synthesize
from reachflow.speakers import assign_speakers, detect_speaker_changes


def _turns(speech_dir: Path) -> tuple[Path, list[tuple[float, float]]]:
    a = [synthesize(s, speech_dir / f"spk_a{i}.wav", "en+m3") for i, s in enumerate(ENGLISH_SENTENCES[20:26])]
    b = [synthesize(s, speech_dir / f"spk_b{i}.wav", "en+f3") for i, s in enumerate(ENGLISH_SENTENCES[26:29])]
    # A (3 sentences) → B (3) → A (3); 0.3 s between every pair of sentences so the pause length
    # gives nothing away (the notes' protocol).
    return concatenate(a[:3] + b + a[3:], speech_dir / "spk_aba.wav", 0.3)


def test_finds_each_change_within_half_a_second_and_numbers_speakers_stably(speech_dir: Path) -> None:
    path, spans = _turns(speech_dir)
    truth = [(spans[2][1] + spans[3][0]) / 2, (spans[5][1] + spans[6][0]) / 2]
    changes = detect_speaker_changes(path)
    assert len(changes) == 2, changes
    for found, true in zip(changes, truth, strict=True):
        assert abs(found - true) <= 0.5
    words = [(s + 0.2, s + 0.6) for s, _ in spans] + [(e - 0.6, e - 0.2) for _, e in spans]
    words.sort()
    labels = assign_speakers(words, changes, path)
    expected = [1 if (s < truth[0] or s > truth[1]) else 2 for s, _ in words]
    assert labels == expected  # A → 1, B → 2, back to A → 1


def test_no_false_alarm_in_a_minute_of_one_voice(speech_dir: Path) -> None:
    parts = [synthesize(s, speech_dir / f"spk_one{i}.wav", "en+m3") for i, s in enumerate(ENGLISH_SENTENCES[:15])]
    path, spans = concatenate(parts, speech_dir / "spk_one.wav", 0.3)
    assert spans[-1][1] >= 55.0
    changes = detect_speaker_changes(path)
    assert changes == []
    assert set(assign_speakers([(0.0, 1.0), (30.0, 31.0)], changes, path)) == {1}


def test_silence_only_has_no_changes(speech_dir: Path) -> None:
    import numpy as np

    from reachflow.asr.synthetic import write_wav

    path = write_wav(speech_dir / "spk_silence.wav", np.zeros(16_000 * 5, np.float32))
    assert detect_speaker_changes(path) == []
    assert assign_speakers([], [], path) == []

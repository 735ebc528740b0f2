"""Accuracy estimate: monotonic, bounded, and lower for noisy speech than for clean."""

from __future__ import annotations

from pathlib import Path

import jiwer

from reachflow.asr.accuracy import calibration, estimate_accuracy, estimate_accuracy_fraction
from reachflow.asr.faster import FasterWhisperEngine
from reachflow.asr.synthetic import normalize_for_wer


def test_mapping_is_monotonic_and_bounded() -> None:
    grid = [i / 100 for i in range(101)]
    values = [estimate_accuracy([p] * 5) for p in grid]
    assert values == sorted(values)
    assert min(values) >= 1 and max(values) <= 99
    assert estimate_accuracy([]) == 0
    # Calibrated, not raw: on clean 10 s clips (tiny.en alone) mean p 0.85 meant ~88 % accuracy.
    assert 86 <= estimate_accuracy([0.85]) <= 90
    assert round(100 * estimate_accuracy_fraction([0.85])) == estimate_accuracy([0.85])


def test_each_model_reads_its_own_calibration() -> None:
    # The lecture bench (bench/caption_quality.py, pipeline with tiny.en): espeak en, mean p 0.845,
    # measured 92.5 %; the clip curve alone said 89, outside the ±3 points a caption may claim.
    assert estimate_accuracy([0.845]) == 89
    assert estimate_accuracy([0.845], "tiny.en") == 92
    assert estimate_accuracy([0.845], "faster-whisper:tiny.en") == 92
    # base's probabilities read differently (bench best mode): the same mean p means more accuracy.
    assert estimate_accuracy([0.88], "base") == 94 and estimate_accuracy([0.88]) == 92
    # Noisy speech keeps the clip fit: the bench has none, so no shift is claimed there.
    assert estimate_accuracy([0.55], "tiny.en") == estimate_accuracy([0.55])
    # A model with no calibration of its own falls back to the clip fit, and every map stays monotonic.
    assert estimate_accuracy([0.845], "/models/custom-ct2") == estimate_accuracy([0.845])
    for model in ("tiny.en", "base", None):
        knots = calibration(model)
        assert [a for _, a in knots] == sorted(a for _, a in knots) and max(a for _, a in knots) <= 0.99


def test_noisy_speech_scores_lower_than_clean_and_tracks_real_accuracy(
    tiny: FasterWhisperEngine, english_clip: tuple[Path, str], noisy_english_clip: tuple[Path, str]
) -> None:
    clean = tiny.transcribe(english_clip[0], language="en")
    noisy = tiny.transcribe(noisy_english_clip[0], language="en")
    clean_estimate = estimate_accuracy(w.probability for w in clean.words)
    noisy_estimate = estimate_accuracy(w.probability for w in noisy.words)
    assert noisy_estimate < clean_estimate - 5
    text = normalize_for_wer(english_clip[1])
    clean_true = 100 * (1 - jiwer.wer(text, normalize_for_wer(clean.text)))
    # The estimate is within 15 points of the truth on clean speech (fit MAE was ~5 points).
    assert abs(clean_estimate - clean_true) <= 15, (clean_estimate, clean_true)

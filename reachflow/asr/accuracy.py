"""Estimated accuracy of a machine transcript, from the engine's own word probabilities.

Kaltura shows the vendor's accuracy figure to the customer, so it must come from the job, never
a constant (shared/DESIGN.md §6). The raw mean word probability ranks transcripts well but is not
an accuracy: it read 2–4 points low on clean speech (shared/notes/asr-quality.md §8) and far too
high on very noisy speech. This module maps it through a monotonic, piecewise-linear calibration
fitted here by ``bench/fit_accuracy.py``:

- data: 126 clips of three sentences (~10 s), 3 voices (Piper joe, espeak default, espeak en+f3),
  each clean and with white noise at 10 dB and 0 dB SNR; tiny.en, beam 5;
- per clip: mean word probability ``p`` vs word accuracy ``1 - WER`` (jiwer, normalised text);
- Spearman ρ(p, accuracy) = 0.95 over the 126 clips; clean clips averaged p 0.85 / accuracy 0.88,
  10 dB 0.75 / 0.71, 0 dB 0.57 / 0.32;
- the knots below are the mean (p, accuracy) of clips binned by p; between knots the map is
  linear, so it is monotonic by construction (a straight-line fit missed the S shape: mean
  absolute error 0.087).

The estimate is a calibrated guess for synthetic, clean-to-noisy speech; real recordings with
accents, music or crosstalk were not part of the fit.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["CALIBRATION", "MAX_ACCURACY", "MIN_ACCURACY", "estimate_accuracy", "estimate_accuracy_fraction"]

# (mean word probability, word accuracy), from bench/fit_accuracy.py (see module docstring).
CALIBRATION: tuple[tuple[float, float], ...] = (
    (0.000, 0.000),
    (0.463, 0.091),
    (0.546, 0.251),
    (0.654, 0.578),
    (0.761, 0.768),
    (0.824, 0.876),
    (0.881, 0.919),
    (0.926, 0.958),
    (0.961, 0.984),
    (1.000, 0.990),
)
# A machine transcript never claims perfection, and an estimate of exactly 0 would read as
# "nothing recognised", which is a different finding.
MIN_ACCURACY = 0.01
MAX_ACCURACY = 0.99

_P = np.array([p for p, _ in CALIBRATION])
_A = np.array([a for _, a in CALIBRATION])


def estimate_accuracy_fraction(probabilities: Iterable[float]) -> float:
    """Estimated word accuracy in [0.01, 0.99]; 0.0 when there are no words.

    Args:
        probabilities: the engine's per-word probabilities for the whole transcript.
    """
    values = np.fromiter((float(p) for p in probabilities), dtype=float)
    if values.size == 0:
        return 0.0
    mean = float(np.clip(values, 0.0, 1.0).mean())
    return float(np.clip(np.interp(mean, _P, _A), MIN_ACCURACY, MAX_ACCURACY))


def estimate_accuracy(probabilities: Iterable[float]) -> int:
    """Estimated accuracy as Kaltura's 0–100 integer (1–99 for any transcript with words)."""
    return round(100 * estimate_accuracy_fraction(probabilities))

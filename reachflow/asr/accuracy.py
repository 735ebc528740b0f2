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

A captions job does not run tiny.en alone: the pipeline (coverage guard, dictionary snapping,
number re-check) makes fewer errors at the same mean probability, and best mode decodes with base.
On the lecture bench (``bench/caption_quality.py``: 47 sentences with numbers and names, 3 voices,
a text the clip fit never saw) the clip curve read 2.1–3.3 points below the measured accuracy with
tiny.en, and 0.1–4.9 below with base. ``MODEL_SHIFT`` is the mean of those residuals per model
(``bench/fit_accuracy.py --lecture``), applied in full above mean p 0.80 and faded out by 0.65.
Checked leave-one-voice-out (each voice estimated with the shift of the other two): tiny.en within
1.1 points on every voice (+0.7, −1.1, +0.4); base off by +0.9, −4.0 (espeak en) and +3.1 (espeak en+f3): base's
probabilities track its accuracy less evenly across voices, which one shift cannot fix. The base
residuals come from the bench's best-mode rows measured before the number re-check (not re-run).

The estimate is a calibrated guess for synthetic, clean-to-noisy speech; real recordings with
accents, music or crosstalk were not part of the fit.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = [
    "CALIBRATION",
    "MAX_ACCURACY",
    "MIN_ACCURACY",
    "MODEL_SHIFT",
    "calibration",
    "estimate_accuracy",
    "estimate_accuracy_fraction",
]

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

# Per recognition model (the name a Transcript reports), how far the clip curve reads below the
# measured accuracy of whole lectures captioned by the pipeline (bench/fit_accuracy.py --lecture,
# see the module docstring). Applied in full above mean p FADE[1], faded out by FADE[0]: noisy
# speech (low p), which the lecture bench does not have, keeps the clip fit.
MODEL_SHIFT: dict[str, float] = {"tiny.en": 0.026, "base": 0.022}
FADE = (0.65, 0.80)


def calibration(model: str | None = None) -> tuple[tuple[float, float], ...]:
    """The calibration knots for ``model`` (``tiny.en``, ``base``, ``engine:model`` or a model
    folder): the clip fit, shifted by what the lecture bench measured for that model."""
    name = (model or "").rsplit(":", 1)[-1].rstrip("/").rsplit("/", 1)[-1]
    shift = MODEL_SHIFT.get(name, 0.0)
    if not shift:
        return CALIBRATION
    knots = []
    for p, a in CALIBRATION:
        weight = min(1.0, max(0.0, (p - FADE[0]) / (FADE[1] - FADE[0])))
        knots.append((p, min(MAX_ACCURACY, a + shift * weight)))
    return tuple(knots)


def estimate_accuracy_fraction(probabilities: Iterable[float], model: str | None = None) -> float:
    """Estimated word accuracy in [0.01, 0.99]; 0.0 when there are no words.

    Args:
        probabilities: the engine's per-word probabilities for the whole transcript.
        model: the recognition model that heard them (``tiny.en``, ``base``, or
            ``engine:model``); a model without its own calibration uses tiny.en's.
    """
    values = np.fromiter((float(p) for p in probabilities), dtype=float)
    if values.size == 0:
        return 0.0
    mean = float(np.clip(values, 0.0, 1.0).mean())
    knots = calibration(model)
    estimate = np.interp(mean, [p for p, _ in knots], [a for _, a in knots])
    return float(np.clip(estimate, MIN_ACCURACY, MAX_ACCURACY))


def estimate_accuracy(probabilities: Iterable[float], model: str | None = None) -> int:
    """Estimated accuracy as Kaltura's 0–100 integer (1–99 for any transcript with words).

    Args:
        probabilities: the engine's per-word probabilities for the whole transcript.
        model: the recognition model (see :func:`estimate_accuracy_fraction`).
    """
    return round(100 * estimate_accuracy_fraction(probabilities, model))

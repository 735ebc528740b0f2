"""Offline speaker-change detection (MFCC + BIC) and stable speaker numbering, numpy/scipy only.

No speaker-embedding model ships offline without torch (shared/notes/models-and-quality.md §4),
so this is the classic detector, with the settings measured in shared/notes/asr-quality.md §7:
MFCC c1–c12 (25 ms Hamming, 10 ms hop, 26 mel bands 60–7600 Hz, pre-emphasis 0.97), frames more
than 12 nats below the 95th-percentile log-energy dropped as silence, two adjacent 1.5 s windows
of speech frames compared with full-covariance Gaussians every 50 ms, and a change declared at
each ΔBIC peak above 0 at least 1 s from a stronger one, with penalty λ = 2.5 (chosen on a dev
split: 15/18 changes within 0.45 s, no false alarm in 185 s of one voice; λ = 1 gave ~31 false
alarms a minute). Synthetic voices vary less than people do: expect more false alarms on real
recordings.

Memory: the WAV is read in 60 s blocks; what is kept is 13 float32 per 10 ms frame (about
56 MB for 3 hours), and the BIC scan runs over chunks of 20,000 speech frames.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.fft import dct, rfft

from reachflow.asr.base import SAMPLE_RATE, AudioSource, iter_wav_blocks

__all__ = ["assign_speakers", "detect_speaker_changes", "mfcc_frames"]

_WIN = 400  # 25 ms
_HOP = 160  # 10 ms
_NFFT = 512
_NMELS = 26
_NCEPS = 12
_BIC_WINDOW = 150  # speech frames per side (1.5 s)
_BIC_STEP = 5  # 50 ms
_LAMBDA = 2.5
_SILENCE_NATS = 12.0
_MIN_PEAK_DISTANCE = 1.0  # seconds
# Whole segments are broader Gaussians than 1.5 s windows, so speakers contrast less than in the
# detector: on espeak en+m3 / en+f3 turns of ~10 s, ΔBIC before penalty (at the 300-frame scale)
# was 55 for the same voice and 554 for different voices; λ = 1 (penalty 257) splits them
# cleanly, while the detector's λ = 2.5 (642) merged different voices.
_CLUSTER_LAMBDA = 1.0


def _mel_filterbank() -> np.ndarray:
    def hz_to_mel(f: np.ndarray | float) -> Any:
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def mel_to_hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    mels = np.linspace(hz_to_mel(60.0), hz_to_mel(7600.0), _NMELS + 2)
    bins = np.floor((_NFFT + 1) * mel_to_hz(mels) / SAMPLE_RATE).astype(int)
    bank = np.zeros((_NMELS, _NFFT // 2 + 1))
    for m in range(1, _NMELS + 1):
        left, centre, right = bins[m - 1], bins[m], bins[m + 1]
        for k in range(left, centre):
            bank[m - 1, k] = (k - left) / max(1, centre - left)
        for k in range(centre, right):
            bank[m - 1, k] = (right - k) / max(1, right - centre)
    return bank


_BANK = _mel_filterbank()
_HAMMING = np.hamming(_WIN)


def _frames_mfcc(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MFCC c1–c12 and log-energy of every full frame in ``samples``."""
    if len(samples) < _WIN:
        return np.zeros((0, _NCEPS), np.float32), np.zeros(0, np.float32)
    emphasized = np.append(samples[0], samples[1:] - 0.97 * samples[:-1])
    n = 1 + (len(emphasized) - _WIN) // _HOP
    idx = np.arange(_WIN)[None, :] + _HOP * np.arange(n)[:, None]
    frames = emphasized[idx]
    energy = np.log(np.sum(frames.astype(np.float64) ** 2, axis=1) + 1e-10)
    power = np.abs(rfft(frames * _HAMMING, n=_NFFT, axis=1)) ** 2
    logmel = np.log(power @ _BANK.T + 1e-10)
    ceps = dct(logmel, type=2, axis=1, norm="ortho")[:, 1 : _NCEPS + 1]
    return ceps.astype(np.float32), energy.astype(np.float32)


def mfcc_frames(wav_path: AudioSource) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MFCCs, log-energies and frame-centre times of a whole 16 kHz WAV, read in 60 s blocks.

    Blocks overlap by one frame window so no frame is lost at a block edge.
    """
    feats: list[np.ndarray] = []
    energies: list[np.ndarray] = []
    carry = np.zeros(0, np.float32)
    frames_done = 0
    for _, block in iter_wav_blocks(wav_path, 60.0):
        data = np.concatenate([carry, block])
        f, e = _frames_mfcc(data)
        feats.append(f)
        energies.append(e)
        frames_done += len(f)
        carry = data[len(f) * _HOP :]
    mfcc = np.concatenate(feats) if feats else np.zeros((0, _NCEPS), np.float32)
    energy = np.concatenate(energies) if energies else np.zeros(0, np.float32)
    times = (np.arange(len(mfcc)) * _HOP + _WIN / 2) / SAMPLE_RATE
    return mfcc, energy, times


def _speech_mask(
    energy: np.ndarray, times: np.ndarray, speech_regions: Sequence[tuple[float, float]] | None
) -> np.ndarray:
    if len(energy) == 0:
        return np.zeros(0, bool)
    mask = energy > np.percentile(energy, 95) - _SILENCE_NATS
    if speech_regions is not None:
        inside = np.zeros(len(times), bool)
        for start, end in speech_regions:
            inside |= (times >= start) & (times <= end)
        mask &= inside
    return np.asarray(mask, dtype=bool)


def _penalty(d: int, n: float, lam: float) -> float:
    return float(lam * 0.5 * (d + d * (d + 1) / 2) * np.log(n))


def _bic_curve(x: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """ΔBIC between adjacent W-frame windows at every ``_BIC_STEP``-th speech-frame boundary."""
    n, d = x.shape
    w = _BIC_WINDOW
    positions: list[np.ndarray] = []
    values: list[np.ndarray] = []
    chunk = 20_000
    start = 0
    ridge = 1e-6 * np.eye(d)
    pen = _penalty(d, 2 * w, lam)
    while start + 2 * w <= n:
        stop = min(n, start + chunk + 2 * w)
        seg = x[start:stop].astype(np.float64)
        s1 = np.concatenate([np.zeros((1, d)), np.cumsum(seg, axis=0)])
        s2 = np.concatenate([np.zeros((1, d, d)), np.cumsum(seg[:, :, None] * seg[:, None, :], axis=0)])
        t = np.arange(w, len(seg) - w + 1, _BIC_STEP)

        def logdet(a: np.ndarray, b: np.ndarray, s1: np.ndarray = s1, s2: np.ndarray = s2) -> np.ndarray:
            m = (b - a)[:, None].astype(float)
            mu = (s1[b] - s1[a]) / m
            cov = (s2[b] - s2[a]) / m[:, :, None] - mu[:, :, None] * mu[:, None, :] + ridge
            return np.asarray(np.linalg.slogdet(cov)[1], dtype=float)

        full = logdet(t - w, t + w)
        left = logdet(t - w, t)
        right = logdet(t, t + w)
        values.append(0.5 * (2 * w * full - w * left - w * right) - pen)
        positions.append(t + start)
        if stop == n:
            break
        start = stop - 2 * w
    if not values:
        return np.zeros(0, int), np.zeros(0)
    pos = np.concatenate(positions)
    val = np.concatenate(values)
    _, unique = np.unique(pos, return_index=True)
    return pos[unique], val[unique]


def detect_speaker_changes(
    wav_path: AudioSource,
    speech_regions: Sequence[tuple[float, float]] | None = None,
    *,
    penalty: float = _LAMBDA,
) -> list[float]:
    """Times (s) where the voice changes, by MFCC + BIC.

    Args:
        wav_path: a 16 kHz mono WAV.
        speech_regions: optional VAD regions; frames outside them are ignored.
        penalty: BIC penalty λ (2.5 measured best; lower finds more changes and false alarms).

    Returns:
        Change times in ascending order. A change that falls in a pause is placed in the middle
        of the pause.
    """
    mfcc, energy, times = mfcc_frames(wav_path)
    mask = _speech_mask(energy, times, speech_regions)
    x = mfcc[mask]
    t = times[mask]
    if len(x) < 2 * _BIC_WINDOW:
        return []
    pos, val = _bic_curve(x, penalty)
    # Pauses between speech frames (≥ 0.1 s): turns almost always change in one, and the ΔBIC
    # peak itself wanders by up to ±0.45 s around it (notes §7.3), so a peak snaps to the
    # middle of the nearest pause within 0.6 s.
    jumps = np.flatnonzero(np.diff(t) > 0.1)
    pause_mid = (t[jumps] + t[jumps + 1]) / 2 if len(jumps) else np.zeros(0)
    order = np.argsort(-val)
    accepted: list[float] = []
    for i in order:
        if val[i] <= 0:
            break
        p = int(pos[i])
        # Peaks must be local maxima of the curve, not the shoulder of a stronger one.
        if (i > 0 and val[i - 1] > val[i]) or (i + 1 < len(val) and val[i + 1] > val[i]):
            continue
        when = float((t[p - 1] + t[p]) / 2)
        if len(pause_mid):
            near = int(np.argmin(np.abs(pause_mid - when)))
            if abs(pause_mid[near] - when) <= 0.6:
                when = float(pause_mid[near])
        if all(abs(when - a) >= _MIN_PEAK_DISTANCE for a in accepted):
            accepted.append(when)
    return sorted(accepted)


@dataclass
class _Stats:
    """Sufficient statistics of a Gaussian over MFCC frames."""

    n: float
    s1: np.ndarray
    s2: np.ndarray

    @classmethod
    def empty(cls) -> _Stats:
        return cls(0.0, np.zeros(_NCEPS), np.zeros((_NCEPS, _NCEPS)))

    def add(self, x: np.ndarray) -> None:
        x = x.astype(np.float64)
        self.n += len(x)
        self.s1 += x.sum(axis=0)
        self.s2 += x.T @ x

    def merged(self, other: _Stats) -> _Stats:
        return _Stats(self.n + other.n, self.s1 + other.s1, self.s2 + other.s2)

    def logdet(self) -> float:
        mu = self.s1 / self.n
        cov = self.s2 / self.n - np.outer(mu, mu) + 1e-6 * np.eye(_NCEPS)
        return float(np.linalg.slogdet(cov)[1])


def _delta_bic(a: _Stats, b: _Stats, lam: float) -> float:
    """ΔBIC of "two speakers" over "one", at the scale λ was tuned on.

    The data term grows with the frame count while the penalty grows with its log, so two long
    segments of one voice would look like two voices; weighting both sides down to 2W frames
    in total keeps the test in the regime the penalty was measured in.
    """
    scale = min(1.0, 2 * _BIC_WINDOW / (a.n + b.n))
    n1, n2 = a.n * scale, b.n * scale
    return 0.5 * ((n1 + n2) * a.merged(b).logdet() - n1 * a.logdet() - n2 * b.logdet()) - _penalty(_NCEPS, n1 + n2, lam)


def _bounds(word: Any) -> tuple[float, float]:
    if isinstance(word, tuple | list):
        return float(word[0]), float(word[1])
    return float(word.start), float(word.end)


def assign_speakers(
    words: Sequence[Any],
    changes: Sequence[float],
    wav_path: AudioSource,
    *,
    speech_regions: Sequence[tuple[float, float]] | None = None,
    penalty: float = _CLUSTER_LAMBDA,
    min_segment_seconds: float = 1.0,
) -> list[int]:
    """Speaker numbers 1..N for each word, stable across turns (A → 1, B → 2, back to A → 1).

    The changes cut the audio into segments; segments are taken in order and each joins the
    existing speaker whose MFCC Gaussian it fits (lowest ΔBIC, if below 0) or starts a new one.
    Segments with under ``min_segment_seconds`` of speech keep the previous speaker: there is
    too little evidence to tell.

    Args:
        words: ``(start, end)`` pairs or objects with ``.start``/``.end``.
        changes: change times from :func:`detect_speaker_changes`.
        wav_path: the same 16 kHz mono WAV.
        speech_regions: optional VAD regions, as for the detector.
        penalty: BIC penalty λ for joining a segment to a speaker (textbook 1.0; see
            ``_CLUSTER_LAMBDA``).
        min_segment_seconds: shortest speech in a segment that may start a new speaker.
    """
    if not words:
        return []
    cuts = sorted(changes)
    if not cuts:
        return [1] * len(words)
    mfcc, energy, times = mfcc_frames(wav_path)
    mask = _speech_mask(energy, times, speech_regions)
    segment_of_frame = np.searchsorted(np.asarray(cuts), times, side="right")
    stats = [_Stats.empty() for _ in range(len(cuts) + 1)]
    for k in range(len(cuts) + 1):
        sel = mask & (segment_of_frame == k)
        if sel.any():
            stats[k].add(mfcc[sel])
    clusters: list[_Stats] = []
    label: list[int] = []
    min_frames = min_segment_seconds * SAMPLE_RATE / _HOP
    for seg in stats:
        if seg.n < min_frames:
            label.append(label[-1] if label else 1)
            if not clusters:
                clusters.append(seg if seg.n else _Stats.empty())
            continue
        if not clusters or clusters[0].n == 0:
            clusters[:1] = [seg]
            label.append(1)
            continue
        scores = [_delta_bic(c, seg, penalty) for c in clusters]
        best = int(np.argmin(scores))
        if scores[best] < 0:
            clusters[best] = clusters[best].merged(seg)
            label.append(best + 1)
        else:
            clusters.append(seg)
            label.append(len(clusters))
    result = []
    for word in words:
        start, end = _bounds(word)
        result.append(label[bisect.bisect_right(cuts, (start + end) / 2)])
    return result

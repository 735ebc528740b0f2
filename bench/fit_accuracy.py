"""Fit the accuracy calibration in ``reachflow/asr/accuracy.py`` on speech made here, per model.

Fit set: clips of three sentences (about 10 s) from ``ENGLISH_SENTENCES`` (everyday and domain
sentences, no digits, no dictionary terms) in three voices (espeak default, espeak en+f3, Piper
joe when installed), clean and with white noise at 10 dB and 0 dB SNR. Each clip is recognised
the way a captions job does it (``FasterWhisperEngine.transcribe``: windows, coverage guard,
beam 5) in both quality modes: ``fast`` (tiny.en) and ``best`` (multilingual base). Per clip we
record the mean word probability and the word accuracy ``1 - WER`` (jiwer, normalised text).

Per model the script prints the calibration knots accuracy.py embeds: the clips sorted by mean
probability, cut into bins of equal word count, each bin's mean (p, accuracy), made monotonic
(pool adjacent violators). It also prints the fit's own mean absolute error per clip. The check
on other inputs is ``bench/caption_quality.py`` (the 47-sentence lecture corpus with numbers and
names, never seen by this fit): its "reported / measured accuracy" column.

Run: ``PYTHONPATH=. .venv/bin/python bench/fit_accuracy.py [cache_dir] [--bins 8] [--step 2]``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jiwer
import numpy as np
from scipy.stats import spearmanr

from reachflow.asr.base import read_wav
from reachflow.asr.faster import FasterWhisperEngine
from reachflow.asr.synthetic import (
    ENGLISH_SENTENCES,
    concatenate,
    normalize_for_wer,
    piper_available,
    synthesize,
    write_wav,
)

MODES = {"fast": "tiny.en", "best": "base"}


def _pava(values: list[float], weights: list[float]) -> list[float]:
    """Pool adjacent violators: the closest non-decreasing sequence (weighted least squares)."""
    blocks = [[v, w, 1] for v, w in zip(values, weights, strict=True)]
    merged: list[list[float]] = []
    for block in blocks:
        merged.append(block)
        while len(merged) > 1 and merged[-2][0] > merged[-1][0]:
            v2, w2, n2 = merged.pop()
            v1, w1, n1 = merged.pop()
            merged.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    out: list[float] = []
    for v, _w, n in merged:
        out.extend([v] * int(n))
    return out


def knots(rows: list[dict[str, float]], bins: int) -> list[tuple[float, float]]:
    """Calibration knots: (mean p, mean accuracy) of equal-word-count bins of clips sorted by p, made monotonic."""
    rows = sorted(rows, key=lambda r: r["mean_p"])
    total = sum(r["n"] for r in rows)
    groups: list[list[dict[str, float]]] = [[]]
    seen = 0.0
    for r in rows:
        if seen >= total * len(groups) / bins and groups[-1]:
            groups.append([])
        groups[-1].append(r)
        seen += r["n"]
    ps = [float(np.average([r["mean_p"] for r in g], weights=[r["n"] for r in g])) for g in groups]
    accs = [float(np.average([r["acc"] for r in g], weights=[r["n"] for r in g])) for g in groups]
    weights = [float(sum(r["n"] for r in g)) for g in groups]
    accs = _pava(accs, weights)
    out = [(0.0, 0.0)] + [(round(p, 3), round(a, 3)) for p, a in zip(ps, accs, strict=True)]
    out.append((1.0, round(max(accs[-1], min(0.99, accs[-1] + 0.01)), 3)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cache", nargs="?", default="/tmp/reachflow-accuracy-fit")
    parser.add_argument("--bins", type=int, default=8)
    parser.add_argument("--modes", default="fast,best")
    parser.add_argument("--step", type=int, default=1, help="use every n-th group of three sentences")
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    voices = ["en", "en+f3"] + (["piper:joe"] if piper_available() else [])
    engine = FasterWhisperEngine("tiny.en", cpu_threads=2)
    rng = np.random.default_rng(7)
    rows: list[dict[str, object]] = []
    saved = cache / "rows.json"
    if saved.exists():
        rows = json.loads(saved.read_text())
    done = {(r["voice"], r["k"], r["snr"], r["mode"]) for r in rows}
    started = time.time()
    for voice in voices:
        for k in range(0, len(ENGLISH_SENTENCES), 3 * args.step):
            group = ENGLISH_SENTENCES[k : k + 3]
            tag = f"{voice.replace(':', '_').replace('+', '_')}_{k}"
            clean = cache / f"{tag}.wav"
            if not clean.exists():
                parts = [synthesize(s, cache / f"{tag}_{i}.wav", voice) for i, s in enumerate(group)]
                concatenate(parts, clean, 0.4)
            ref = normalize_for_wer(" ".join(group))
            samples = read_wav(clean)
            power = float(np.mean(samples**2))
            for snr in (None, 10.0, 0.0):
                path = clean
                if snr is not None:
                    path = cache / f"{tag}_snr{int(snr)}.wav"
                    if not path.exists():
                        noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr / 10)), len(samples))
                        write_wav(path, samples + noise.astype(np.float32))
                for mode in args.modes.split(","):
                    if (voice, k, snr, mode) in done:
                        continue
                    t = engine.transcribe(path, language="en", quality=mode)  # type: ignore[arg-type]
                    probs = [w.probability for w in t.words]
                    hyp = normalize_for_wer(t.text)
                    wer = jiwer.wer(ref, hyp) if hyp else 1.0
                    rows.append(
                        {
                            "voice": voice,
                            "k": k,
                            "snr": snr,
                            "mode": mode,
                            "model": t.model,
                            "mean_p": float(np.mean(probs)) if probs else 0.0,
                            "acc": max(0.0, 1.0 - wer),
                            "n": len(ref.split()),
                        }
                    )
                    saved.write_text(json.dumps(rows))
    print(f"{len(rows)} clips, {time.time() - started:.0f} s")
    for mode in args.modes.split(","):
        sel = [r for r in rows if r["mode"] == mode]
        if not sel:
            continue
        p = np.array([r["mean_p"] for r in sel], dtype=float)
        a = np.array([r["acc"] for r in sel], dtype=float)
        n = np.array([r["n"] for r in sel], dtype=float)
        fitted = knots(sel, args.bins)  # type: ignore[arg-type]
        kp, ka = np.array([x for x, _ in fitted]), np.array([y for _, y in fitted])
        mae = float(np.average(np.abs(np.interp(p, kp, ka) - a), weights=n))
        clean = [r for r in sel if r["snr"] is None]
        print(
            json.dumps(
                {
                    "mode": mode,
                    "model": MODES.get(mode, mode),
                    "clips": len(sel),
                    "spearman": round(float(spearmanr(p, a).statistic), 3),
                    "fit_mae": round(mae, 3),
                    "clean_mean_p": round(float(np.mean([r["mean_p"] for r in clean])), 3),
                    "clean_mean_acc": round(float(np.mean([r["acc"] for r in clean])), 3),
                }
            )
        )
        print(f"    {MODES.get(mode, mode)!r}: (")
        for x, y in fitted:
            print(f"        ({x:.3f}, {y:.3f}),")
        print("    ),")


if __name__ == "__main__":
    main()

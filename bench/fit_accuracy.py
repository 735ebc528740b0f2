"""Fit the accuracy calibration in ``reachflow/asr/accuracy.py`` on speech made here.

Clips of three sentences (about 10 s) from the corpus in ``reachflow.asr.synthetic``, in three
voices (espeak default, espeak en+f3, piper joe when installed), clean and with white noise at
10 dB and 0 dB SNR; tiny.en (beam 5) transcribes each; per clip we record the mean word
probability and the word accuracy ``1 - WER`` (jiwer). The script prints a least-squares line
``accuracy = a + b * mean_probability`` (weighted by reference words), its Spearman rank
correlation, and the corpus-level means, which is what accuracy.py embeds.

Run: ``.venv/bin/python bench/fit_accuracy.py [cache_dir]``
"""

from __future__ import annotations

import json
import sys
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


def main() -> None:
    cache = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/reachflow-accuracy-fit")
    cache.mkdir(parents=True, exist_ok=True)
    voices = ["en", "en+f3"] + (["piper:joe"] if piper_available() else [])
    engine = FasterWhisperEngine("tiny.en", cpu_threads=2, guard=False)
    rng = np.random.default_rng(7)
    rows = []
    started = time.time()
    for voice in voices:
        for k in range(0, len(ENGLISH_SENTENCES), 3):
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
                t = engine.transcribe(path, language="en")
                probs = [w.probability for w in t.words]
                hyp = normalize_for_wer(t.text)
                wer = jiwer.wer(ref, hyp) if hyp else 1.0
                rows.append(
                    {
                        "voice": voice,
                        "snr": snr,
                        "mean_p": float(np.mean(probs)) if probs else 0.0,
                        "acc": max(0.0, 1.0 - wer),
                        "n": len(ref.split()),
                    }
                )
    p = np.array([r["mean_p"] for r in rows])
    a = np.array([r["acc"] for r in rows])
    n = np.array([r["n"] for r in rows], dtype=float)
    b1, b0 = np.polyfit(p, a, 1, w=np.sqrt(n))
    rho = spearmanr(p, a).statistic
    print(
        json.dumps(
            {
                "clips": len(rows),
                "seconds": round(time.time() - started, 1),
                "intercept": round(float(b0), 4),
                "slope": round(float(b1), 4),
                "spearman": round(float(rho), 3),
                "mean_p": round(float(np.average(p, weights=n)), 4),
                "mean_acc": round(float(np.average(a, weights=n)), 4),
            },
            indent=1,
        )
    )
    for snr in (None, 10.0, 0.0):
        sel = [r for r in rows if r["snr"] == snr]
        print(
            snr,
            "mean_p",
            round(np.mean([r["mean_p"] for r in sel]), 3),
            "acc",
            round(np.mean([r["acc"] for r in sel]), 3),
        )
    (cache / "rows.json").write_text(json.dumps(rows))


if __name__ == "__main__":
    main()

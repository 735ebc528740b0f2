"""Fit the accuracy calibration in ``reachflow/asr/accuracy.py`` on speech made here.

Clips of three sentences (about 10 s) from the corpus in ``reachflow.asr.synthetic``, in three
voices (espeak default, espeak en+f3, piper joe when installed), clean and with white noise at
10 dB and 0 dB SNR; tiny.en (beam 5) transcribes each; per clip we record the mean word
probability and the word accuracy ``1 - WER`` (jiwer). The script prints a least-squares line
``accuracy = a + b * mean_probability`` (weighted by reference words), its Spearman rank
correlation, and the corpus-level means, which is what accuracy.py embeds.

Second step, per recognition model (``--lecture``): the clip fit above is tiny.en run alone; a
captions job runs the whole pipeline (coverage guard, dictionary, number re-check) and, in best
mode, base. ``bench/caption_quality.py --save-words DIR`` saves each voice's caption words with
their probabilities; ``--lecture DIR/words_*.json`` measures how far the clip curve reads from the
measured accuracy of each whole lecture, per model, prints one shift per model (mean over the
voices, applied in full above mean p 0.80 and faded out by 0.65, where the bench has no data and
the noisy clips stand) and checks it leave-one-voice-out: each voice estimated with the shift of
the other voices only.

Run: ``.venv/bin/python bench/fit_accuracy.py [cache_dir]``
     ``PYTHONPATH=. .venv/bin/python bench/fit_accuracy.py --lecture /tmp/words/words_*.json``
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
    if sys.argv[1:2] == ["--lecture"]:
        fit_lecture([Path(p) for p in sys.argv[2:]])
        return
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


# --------------------------------------------------------------------------------------------
# Per-model correction on the lecture bench's own transcripts, checked on the voice left out.

FADE = (0.65, 0.80)  # below 0.65 (noisy speech, no bench data) the clip fit stands; above 0.80 the full shift


def fade(p: float) -> float:
    """How much of the bench's shift applies at mean probability ``p`` (0 below FADE[0], 1 above FADE[1])."""
    return float(np.clip((p - FADE[0]) / (FADE[1] - FADE[0]), 0.0, 1.0))


def fit_lecture(paths: list[Path]) -> None:
    """Per model: how far the clip-fitted curve (accuracy.CALIBRATION) reads from the measured word
    accuracy of whole lecture transcripts, one point per voice.

    The correction is one number per model, the mean of the voices' residuals (applied in full
    above p 0.80, faded out by 0.65). The honest check is leave-one-voice-out: each voice's
    estimate with the shift fitted on the other voices only.
    """
    from bench.caption_quality import normalize
    from reachflow.asr.accuracy import CALIBRATION
    from reachflow.asr.synthetic import LECTURE_SENTENCES

    knot_p = [p for p, _ in CALIBRATION]
    knot_a = [a for _, a in CALIBRATION]
    reference = normalize(" ".join(LECTURE_SENTENCES))
    runs = [json.loads(p.read_text()) for p in paths]
    for model in sorted({r["model"] for r in runs}):
        points: dict[str, tuple[float, float]] = {}
        for run in (r for r in runs if r["model"] == model):
            mean_p = float(np.mean([w[3] for w in run["words"]]))
            hyp = normalize(" ".join(str(w[2]) for w in run["words"]))
            points[run["voice"]] = (mean_p, 1.0 - float(jiwer.wer(reference, hyp)))

        def residual(p: float, a: float) -> float:
            return (a - float(np.interp(p, knot_p, knot_a))) / max(fade(p), 1e-9)

        shift = float(np.mean([residual(p, a) for p, a in points.values()]))
        print(f"== {model}: shift {shift:+.3f} over {len(points)} voices")
        for voice, (p, a) in points.items():
            others = [residual(q, b) for v, (q, b) in points.items() if v != voice]
            held = float(np.mean(others)) if others else 0.0
            old = float(np.interp(p, knot_p, knot_a))
            print(
                f"   {voice:10} mean p {p:.3f}: measured {100 * a:.1f}; clip fit {100 * old:.1f}; with the shift of "
                f"the other voices ({held:+.3f}) {100 * (old + held * fade(p)):.1f} "
                f"({100 * (old + held * fade(p) - a):+.1f}); with every voice's {100 * (old + shift * fade(p)):.1f}"
            )
        print(f"    {model!r}: (")
        for p, a in CALIBRATION:
            print(f"        ({p:.3f}, {min(0.99, a + shift * fade(p)):.3f}),")
        print("    ),")


if __name__ == "__main__":
    main()

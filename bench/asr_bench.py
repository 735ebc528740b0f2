"""Recognition benchmark: real-time factor and WER of tiny.en and base on ≥10 min of known speech.

The corpus is the 40 sentences of ``reachflow.asr.synthetic`` spoken by four voices (Piper joe
when installed, espeak default, en+f3, en+m3), each voice's sentences joined with 0.5 s pauses
into one file (about 2.7 min per voice, 11 min in all), cached in the given folder. Each model transcribes each
file once through the engine (windowing, VAD, guard), beam 5, int8, 2 threads. WER is jiwer over
the normalised text; RTF is transcribe time ÷ audio time; peak RSS is the process's.

Run: ``.venv/bin/python bench/asr_bench.py [cache_dir]``
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import jiwer

from reachflow.asr.base import wav_info
from reachflow.asr.faster import FasterWhisperEngine
from reachflow.asr.synthetic import ENGLISH_SENTENCES, concatenate, normalize_for_wer, piper_available, synthesize


def corpus(cache: Path) -> list[tuple[str, Path, str]]:
    voices = (["piper:joe"] if piper_available() else []) + ["en", "en+f3", "en+m3"]
    items = []
    for voice in voices:
        tag = voice.replace(":", "_").replace("+", "_")
        out = cache / f"corpus_{tag}.wav"
        if not out.exists():
            parts = [synthesize(s, cache / f"{tag}_{i}.wav", voice) for i, s in enumerate(ENGLISH_SENTENCES)]
            concatenate(parts, out, 0.5)
        items.append((voice, out, " ".join(ENGLISH_SENTENCES)))
    return items


def main() -> None:
    cache = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/reachflow-asr-bench")
    cache.mkdir(parents=True, exist_ok=True)
    items = corpus(cache)
    total_audio = sum(wav_info(p).duration for _, p, _ in items)
    print(f"corpus: {len(items)} voices, {total_audio / 60:.1f} min of audio")
    for model in ("tiny.en", "base"):
        engine = FasterWhisperEngine(model, cpu_threads=2, beam_size=5)
        refs, hyps, spent = [], [], 0.0
        for voice, path, text in items:
            started = time.perf_counter()
            transcript = engine.transcribe(path, language="en")
            took = time.perf_counter() - started
            spent += took
            ref, hyp = normalize_for_wer(text), normalize_for_wer(transcript.text)
            refs.append(ref)
            hyps.append(hyp)
            duration = wav_info(path).duration
            print(
                f"  {model:8s} {voice:10s} {duration:6.1f} s  RTF {took / duration:.3f}  WER {jiwer.wer(ref, hyp):.1%}"
            )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{model:8s} all         {total_audio:6.1f} s  RTF {spent / total_audio:.3f}  WER {jiwer.wer(refs, hyps):.1%}  peak RSS {rss:.0f} MB"
        )


if __name__ == "__main__":
    main()

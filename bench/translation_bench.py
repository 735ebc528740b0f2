"""Translation benchmark: cues per second of each engine, and which context reads better.

Source: the 40 English sentences of ``reachflow.asr.synthetic``, three times in shuffled order,
laid out by the caption builder at 32 characters per line (so most sentences span two cues):
about 300 cues. For each text pair the engine translates every cue through ``translate_cues``
(REACH dictionary of three terms); non-English sources are first made by the English→X engine.

Quality proxy, per engine with a way back: English → X → English round trip, word error rate
against the original English (jiwer), for ``context="sentence"`` (sentences spanning cues are
translated whole and shared out) and ``context="cue"`` (each cue alone). Lower is better.

Whisper speech→English: real-time factor and cues/s on ~15 s of espeak Spanish.

Run: ``.venv/bin/python bench/translation_bench.py [--quick]``
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Literal

import jiwer

from reachflow.asr.base import wav_info
from reachflow.asr.synthetic import ENGLISH_SENTENCES, normalize_for_wer, synthesize
from reachflow.captions.model import CaptionStyle, Cue, Word
from reachflow.captions.quality import style_findings
from reachflow.captions.segment import build_cues
from reachflow.translation import engine_for, served_pairs, translate_cues

STYLE = CaptionStyle(max_chars_per_line=32)
GLOSSARY = ["Kaltura", "REACH", "Media Space"]
SPANISH = (
    "Buenos días a todos y bienvenidos. La reunión empieza a las tres de la tarde en la sala principal. "
    "Por favor, suban los videos a la plataforma antes del viernes. Los estudiantes pidieron subtítulos."
)


def english_cues(repeats: int) -> list[Cue]:
    rng = random.Random(7)
    sentences = [s for _ in range(repeats) for s in rng.sample(list(ENGLISH_SENTENCES), len(ENGLISH_SENTENCES))]
    words: list[Word] = []
    t = 0.0
    for sentence in sentences:
        for w in sentence.split():
            words.append(Word(t, t + 0.3, w))
            t += 0.36
        t += 0.8
    return build_cues(words, STYLE)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (Apertium runs as child processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


LAST_CPU = [0.0]  # CPU seconds of the last timed() call


def timed(
    cues: list[Cue], source: str, target: str, context: Literal["sentence", "cue"] = "sentence"
) -> tuple[list[Cue], float]:
    engine = engine_for(source, target)
    assert engine is not None, (source, target)
    started, cpu = time.perf_counter(), cpu_seconds()
    out = translate_cues(cues, engine, source=source, target=target, glossary=GLOSSARY, style=STYLE, context=context)
    LAST_CPU[0] = cpu_seconds() - cpu
    return out, time.perf_counter() - started


def text_of(cues: list[Cue]) -> str:
    return normalize_for_wer(" ".join(c.text for c in cues))


def engine_only(cues: list[Cue], source: str, target: str) -> float:
    """Seconds for the engine alone on the cue texts (one batch, no glossary, no layout)."""
    engine = engine_for(source, target)
    assert engine is not None
    started = time.perf_counter()
    engine.translate([c.text for c in cues], source, target)
    return time.perf_counter() - started


def main() -> None:
    quick = "--quick" in sys.argv
    cues = english_cues(1 if quick else 5)
    print(
        f"source: {len(cues)} English cues, {sum(len(c.text.split()) for c in cues)} words, "
        f"{STYLE.max_chars_per_line} chars/line"
    )
    started = time.perf_counter()
    pairs = [(p.source, p.target, p.engine) for p in served_pairs() if not p.from_audio_only]
    print(f"served_pairs (probes every engine once): {time.perf_counter() - started:.2f} s")
    foreign: dict[str, list[Cue]] = {}
    print("\nwall clock on a shared machine; cues per CPU-second does not depend on what else runs")
    print("| pair | engine | cues | translate_cues s | cues/s | cues per CPU-second | engine alone cues/s |")
    print("|---|---|---|---|---|---|---|")
    for source, target, engine in sorted(pairs, key=lambda p: p[0] != "en"):
        if source == "en":
            batch = cues
        elif source in foreign:
            batch = foreign[source]
        else:
            continue
        out, seconds = timed(batch, source, target)
        cpu = LAST_CPU[0]
        alone = engine_only(batch, source, target)
        if source == "en":
            foreign[target] = out
        print(
            f"| {source}→{target} | {engine} | {len(batch)} | {seconds:.2f} | {len(batch) / seconds:.0f} "
            f"| {len(batch) / max(cpu, 1e-3):.0f} | {len(batch) / alone:.0f} |"
        )
    cues = cues[: len(cues) // 2] if not quick else cues  # the comparison below runs 4 passes per pair

    print("\nsentence vs cue context, English → X (round trip: X → English again, WER against the original;")
    print("lines over the limit and cues over 17 chars/s in the X captions; lower is better everywhere):")
    print("| X | engine | context | round-trip WER | lines over limit | cues over reading rate |")
    print("|---|---|---|---|---|---|")
    reference = text_of(cues)
    for target in sorted(foreign):
        name = next(e for s, t, e in pairs if (s, t) == ("en", target))
        contexts: tuple[Literal["sentence", "cue"], ...] = ("sentence", "cue")
        for context in contexts:
            there, _ = timed(cues, "en", target, context)
            findings = style_findings(there, STYLE)
            wer = "–"
            if engine_for(target, "en") is not None:
                back, _ = timed(there, target, "en", context)
                wer = f"{jiwer.wer(reference, text_of(back)):.3f}"
            print(f"| {target} | {name} | {context} | {wer} | {findings.lines_over_limit} | {findings.cues_over_cps} |")

    if any(p.from_audio_only for p in served_pairs()):
        from reachflow.translation.speech import translate_speech_to_english

        with tempfile.TemporaryDirectory() as folder:
            wav = synthesize(SPANISH, Path(folder) / "es.wav", "es")
            duration = wav_info(wav).duration
            translate_speech_to_english(wav, "es", cpu_threads=2)  # load (and join) the model once
            started, cpu = time.perf_counter(), cpu_seconds()
            words = translate_speech_to_english(wav, "es", cpu_threads=2)
            seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
            made = build_cues(words, STYLE)
        print(
            f"\nwhisper-translate es→en: {duration:.1f} s of speech in {seconds:.2f} s "
            f"(RTF {seconds / duration:.2f}; {cpu:.1f} CPU-seconds), {len(made)} cues → {len(made) / seconds:.1f} cues/s"
        )
        print("  " + " ".join(w.text for w in words))


if __name__ == "__main__":
    main()

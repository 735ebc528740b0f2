"""Caption quality: does the captioning pipeline add error over the raw engine, drop speech, break numbers?

Corpus: ``reachflow.asr.synthetic.LECTURE_SENTENCES`` (47 sentences, 611 words: numbers, money, percentages,
names, questions and the REACH dictionary terms of ``LECTURE_DICTIONARY``), spoken by Piper joe (natural)
and two espeak-ng voices (``en``, ``en+f3``), sentences joined with 0.6 s pauses, about 4 min per voice.

For each voice, on the very same WAV and model:

* **raw**: faster-whisper alone, as a user would run it (``WhisperModel.transcribe``, beam 5, English,
  no prompt, no VAD); the text is the engine's own segment text;
* **pipeline**: what the captions flow runs (``SpeechEngineSettings().build_engine`` with the job's
  dictionary and quality mode → ``trim_trailing_hallucination`` → ``build_cues`` → ``render`` WebVTT),
  and the text is parsed back from the rendered caption file. The flow itself is not driven through the
  sandbox here (five engineers share two cores); these are the functions its recognition and caption
  steps call, in the same order.

Columns: WER (normalised: lower case, punctuation dropped, numbers spelled out on both sides), the ratio
pipeline/raw, dictionary-term recall (case-exact, each occurrence aligned), stretches of ≥3 consecutive
reference words deleted, number tokens intact (a reference token with a digit found verbatim in the
caption), the accuracy the job reports vs the measured 100 − WER, and recognition time.

Run: ``PYTHONPATH=. .venv/bin/python bench/caption_quality.py [--quick] [--quality fast|best] [cache_dir]``
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jiwer

from reachflow.asr.accuracy import estimate_accuracy
from reachflow.asr.base import wav_info
from reachflow.asr.cleanup import trim_trailing_hallucination
from reachflow.asr.faster import FasterWhisperEngine, _load_model
from reachflow.asr.synthetic import (
    LECTURE_DICTIONARY,
    LECTURE_SENTENCES,
    concatenate,
    piper_available,
    synthesize,
)
from reachflow.captions.formats import CaptionFormat, parse_vtt, render
from reachflow.captions.model import CaptionStyle, Word
from reachflow.captions.segment import build_cues

VOICES = ("piper:joe", "en", "en+f3")
TARGETS = "pipeline WER ≤ raw WER, WER ≤ 5 % (natural voice), 0 dropped stretches, dictionary ≥ 95 %, numbers 100 %, |reported − measured| ≤ 3"

# --------------------------------------------------------------------------------------------
# Normalisation: numbers spelled out so "$45,000" and "45,000 dollars" compare equal.

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _int_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + _int_words(rest))
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            rest = n % size
            return _int_words(n // size) + f" {name}" + ("" if rest == 0 else " " + _int_words(rest))
    raise AssertionError(n)


def _number_words(token: str) -> str:
    whole, _, frac = token.replace(",", "").partition(".")
    if (
        len(whole) == 4
        and not frac
        and 1100 <= int(whole) <= 2099
        and int(whole) % 1000 >= 10
        and int(whole) // 100 != 20
    ):
        year = int(whole)  # 1998 → nineteen ninety eight
        return _int_words(year // 100) + " " + _int_words(year % 100)
    words = _int_words(int(whole)) if whole else "zero"
    if frac:
        words += " point " + " ".join(_ONES[int(d)] for d in frac)
    return words


_NUMBER = re.compile(r"(\$)?(\d[\d,]*(?:\.\d+)?)(%)?")


def normalize(text: str) -> str:
    """Lower case, numbers spelled out ("$45,000" → "forty five thousand dollars"), punctuation dropped."""

    def spell(m: re.Match[str]) -> str:
        words = _number_words(m.group(2).rstrip(",."))
        if m.group(3):
            words += " percent"
        if m.group(1):
            words += " dollars"
        return f" {words} "

    text = text.replace("’", "'").replace("'", "")
    text = _NUMBER.sub(spell, text)
    text = text.lower().replace("dr.", "doctor")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------
# Metrics


def dropped_stretches(reference: str, hypothesis: str, min_words: int = 3) -> list[str]:
    """Runs of at least ``min_words`` consecutive reference words the hypothesis deleted."""
    out = jiwer.process_words(normalize(reference), normalize(hypothesis))
    ref = out.references[0]
    runs = []
    for chunk in out.alignments[0]:
        if chunk.type == "delete" and chunk.ref_end_idx - chunk.ref_start_idx >= min_words:
            runs.append(" ".join(ref[chunk.ref_start_idx : chunk.ref_end_idx]))
    return runs


def _tokens(text: str) -> list[str]:
    return [t for t in (re.sub(r"^[^\w$]+|[^\w%]+$", "", tok) for tok in text.split()) if t]


def term_recall(reference: str, hypothesis: str, terms: Sequence[str]) -> tuple[int, int]:
    """(recognised, total) occurrences of dictionary terms, case-exact, aligned word by word."""
    ref, hyp = _tokens(reference), _tokens(hypothesis)
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    equal = set()
    for chunk in out.alignments[0]:
        if chunk.type == "equal":
            equal.update(range(chunk.ref_start_idx, chunk.ref_end_idx))
    found = total = 0
    for term in terms:
        parts = term.replace(".", "").split()
        for i in range(len(ref) - len(parts) + 1):
            if ref[i : i + len(parts)] == parts:
                total += 1
                found += all(k in equal for k in range(i, i + len(parts)))
    return found, total


def numbers_intact(reference: str, hypothesis: str) -> tuple[int, int]:
    """(intact, total) reference tokens with a digit whose words all came out right.

    A number is intact when the caption says it (as "$45,000", "45,000 dollars" or "four" for
    "4"): every word of its spelled-out form is aligned to an equal word. A number printed in
    pieces ("$45 ,000" reads "forty five", "zero") or misheard is not.
    """
    ref_words: list[str] = []
    spans: list[tuple[int, int]] = []
    for token in reference.split():
        words = normalize(token).split()
        if any(c.isdigit() for c in token):
            spans.append((len(ref_words), len(ref_words) + len(words)))
        ref_words.extend(words)
    out = jiwer.process_words(" ".join(ref_words), normalize(hypothesis))
    equal: set[int] = set()
    for chunk in out.alignments[0]:
        if chunk.type == "equal":
            equal.update(range(chunk.ref_start_idx, chunk.ref_end_idx))
    return sum(all(k in equal for k in range(a, b)) for a, b in spans), len(spans)


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalize(reference), normalize(hypothesis)))


# --------------------------------------------------------------------------------------------
# Corpus and the two systems


def corpus(cache: Path, voices: Sequence[str], sentences: Sequence[str]) -> list[tuple[str, Path, str]]:
    items = []
    tag_all = f"{len(sentences)}"
    for voice in voices:
        tag = voice.replace(":", "_").replace("+", "_")
        out = cache / f"lecture_{tag}_{tag_all}.wav"
        if not out.exists():
            parts = [synthesize(s, cache / f"lecture_{tag}_{i}.wav", voice) for i, s in enumerate(sentences)]
            concatenate(parts, out, 0.6)
        items.append((voice, out, " ".join(sentences)))
    return items


def raw_engine(path: Path, model_name: str) -> str:
    """faster-whisper run alone on the file: defaults a user would pick, English, beam 5 (cached next to the WAV)."""
    cached = path.with_suffix(f".raw-{model_name}.txt")
    if cached.exists():
        return cached.read_text()
    engine = FasterWhisperEngine(model_name, cpu_threads=2)
    model = _load_model(engine.model_path, "int8", 2)
    segments, _info = model.transcribe(str(path), language="en", beam_size=5)
    text = "".join(s.text for s in segments).strip()
    cached.write_text(text)
    return text


@dataclass
class PipelineResult:
    caption_text: str
    reported_accuracy: int
    seconds: float
    engine: str
    notes: str


def pipeline(path: Path, dictionary: Sequence[str], quality: str) -> PipelineResult:
    """The captions flow's recognition and caption steps on one file, caption parsed back from WebVTT."""
    from blocks.engines import SpeechEngineSettings

    settings = SpeechEngineSettings(cpu_threads=2)
    engine = settings.build_engine("en")
    kwargs = {"quality": quality} if quality != "fast" else {}
    started = time.perf_counter()
    transcript = engine.transcribe(path, language="en", dictionary=list(dictionary), **kwargs)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    duration = wav_info(path).duration
    words = [
        Word(start=w.start, end=w.end, text=w.text, probability=w.probability)
        for w in trim_trailing_hallucination(transcript.words, duration)
    ]
    cues = build_cues(words, CaptionStyle())
    vtt = render(cues, CaptionFormat.VTT, language="en")
    text = " ".join(" ".join(c.lines) for c in parse_vtt(vtt))
    notes = []
    for name in ("recovered", "uncovered", "passes", "snapped"):
        value = getattr(transcript, name, None)
        if value:
            notes.append(f"{name}={value if not isinstance(value, list) else len(value)}")
    return PipelineResult(
        text,
        estimate_accuracy(w.probability for w in words),
        seconds,
        f"{transcript.engine}:{transcript.model}",
        " ".join(notes),
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cache", nargs="?", default="/tmp/reachflow-caption-bench")
    parser.add_argument("--quick", action="store_true", help="first 12 sentences, one pass per voice")
    parser.add_argument("--voices", default=",".join(VOICES))
    parser.add_argument("--quality", default="fast", help="quality mode(s), comma separated: fast,best")
    parser.add_argument("--show", action="store_true", help="print the pipeline's text and dropped stretches")
    args = parser.parse_args(argv)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    sentences = LECTURE_SENTENCES[:12] if args.quick else LECTURE_SENTENCES
    voices = [v for v in args.voices.split(",") if v != "piper:joe" or piper_available()]
    items = corpus(cache, voices, sentences)
    total = sum(wav_info(p).duration for _, p, _ in items)
    print(
        f"corpus: {len(sentences)} sentences, {sum(len(s.split()) for s in sentences)} words per voice, "
        f"{len(items)} voices, {total / 60:.1f} min of audio"
    )
    header = (
        "| voice | mode (model) | raw WER | pipeline WER | ratio | dictionary terms | dropped ≥3 words (raw / pipeline) "
        "| numbers intact (raw / pipeline) | reported / measured accuracy | recognition RTF |"
    )
    rows = [header, "|---" * 10 + "|"]
    for voice, path, reference in items:
        duration = wav_info(path).duration
        raw_text = raw_engine(path, "tiny.en")
        raw_wer = wer(reference, raw_text)
        raw_drops = dropped_stretches(reference, raw_text)
        raw_num = numbers_intact(reference, raw_text)
        for quality in args.quality.split(","):
            result = pipeline(path, LECTURE_DICTIONARY, quality)
            p_wer = wer(reference, result.caption_text)
            drops = dropped_stretches(reference, result.caption_text)
            found, terms = term_recall(reference, result.caption_text, LECTURE_DICTIONARY)
            n_found, n_total = numbers_intact(reference, result.caption_text)
            measured = 100 * (1 - p_wer)
            rows.append(
                f"| {voice} | {quality} ({result.engine.split(':')[-1]}) | {raw_wer:.1%} | {p_wer:.1%} "
                f"| {p_wer / raw_wer if raw_wer else float('nan'):.2f} | {found}/{terms} ({found / max(terms, 1):.0%}) "
                f"| {len(raw_drops)} / {len(drops)} | {raw_num[0]}/{raw_num[1]} / {n_found}/{n_total} "
                f"| {result.reported_accuracy} / {measured:.1f} | {result.seconds / duration:.3f} |"
            )
            print(rows[-1], result.notes, flush=True)
            if args.show:
                print("   dropped:", drops)
                print("   raw dropped:", raw_drops)
                print("   caption:", result.caption_text)
    print()
    print("\n".join(rows))
    print(f"\nTargets: {TARGETS}")


if __name__ == "__main__":
    main(sys.argv[1:])

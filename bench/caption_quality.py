"""Caption quality: does the captioning pipeline add error over the raw engine, drop speech, break numbers?

Corpus: ``reachflow.asr.synthetic.LECTURE_SENTENCES`` (47 sentences, 611 words: numbers, money, percentages,
names, questions and the REACH dictionary terms of ``LECTURE_DICTIONARY``), spoken by Piper joe (natural)
and two espeak-ng voices (``en``, ``en+f3``), sentences joined with 0.6 s pauses, about 4 min per voice.

For each voice, on the very same WAV and model:

* **raw**: faster-whisper alone, as a user would run it (``WhisperModel.transcribe``, beam 5, English,
  no prompt, no VAD); the text is the engine's own segment text;
* **pipeline**: what the captions flow runs (``SpeechEngineSettings().build_engine`` with the job's
  dictionary and quality mode → ``tidy_numbers`` → ``trim_trailing_hallucination`` → ``build_cues`` → ``render`` WebVTT),
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
import hashlib
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jiwer

from reachflow.asr.accuracy import estimate_accuracy
from reachflow.asr.base import wav_info
from reachflow.asr.cleanup import tidy_numbers, trim_trailing_hallucination
from reachflow.asr.faster import FasterWhisperEngine, _load_model
from reachflow.asr.synthetic import (
    LECTURE_DICTIONARY,
    LECTURE_SENTENCES,
    concatenate,
    piper_available,
    spoken_form,
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
        year = int(whole)  # 1998 → nineteen ninety eight, 1900 → nineteen hundred, 1905 → nineteen oh five
        tail = year % 100
        rest = "hundred" if tail == 0 else _int_words(tail) if tail >= 10 else "oh " + _ONES[tail]
        return _int_words(year // 100) + " " + rest
    words = _int_words(int(whole)) if whole else "zero"
    if frac:
        words += " point " + " ".join(_ONES[int(d)] for d in frac)
    return words


_NUMBER = re.compile(r"(\$)?(\d[\d,]*(?:\.\d+)?)(%)?")
_VALUES = {w: i for i, w in enumerate(_ONES)} | {w: 10 * i for i, w in enumerate(_TENS) if i >= 2}
_SCALES = {"thousand": 1000, "million": 10**6, "billion": 10**9}


def _spelled_value(words: Sequence[str]) -> int | None:
    """The value of a spelled number ("two thousand and fifteen", "nineteen hundred and ninety
    eight", year-style "nineteen ninety eight"), or ``None`` when the words are not one number
    ("one two three" is counting, not 123)."""
    total = current = 0
    last = ""
    for k, word in enumerate(words):
        value = _VALUES.get(word)
        if word == "and":
            if last not in ("hundred", "scale") or k == len(words) - 1:
                return None
        elif value is not None and value < 10:
            if last not in ("", "ten", "hundred", "scale", "and") or (value == 0 and len(words) > 1):
                return None
            current += value
        elif value is not None:
            if last not in ("", "hundred", "scale", "and"):
                break  # "nineteen ninety eight": maybe a year, tried below
            current += value
        elif word == "hundred":
            if last not in ("one", "teen") or current >= 100:
                return None
            current *= 100
        elif word in _SCALES:
            if last in ("", "and", "scale"):
                return None
            total += current * _SCALES[word]
            current = 0
        last = (
            word
            if word in ("and", "hundred")
            else "scale"
            if word in _SCALES
            else "one"
            if (value or 0) < 10
            else "ten"
            if (value or 0) % 10 == 0 and (value or 0) >= 20
            else "teen"
        )
    else:
        return total + current
    # Year style: a two-digit number, then a two-digit number ("nineteen ninety eight", "twenty fifteen").
    for cut in (1, 2):
        head, tail = words[:cut], words[cut:]
        h, t = _spelled_value(head) if cut == 2 else _VALUES.get(head[0]), _spelled_value(tail) if tail else None
        if h is not None and t is not None and 10 <= h <= 99 and 10 <= t <= 99 and (cut == 1 or h >= 20):
            return 100 * h + t
    return None


def _canonical_spelled_numbers(text: str) -> str:
    """Spelled numbers written one way: "two thousand and fifteen" → "two thousand fifteen",
    "nineteen hundred and ninety eight" → "nineteen ninety eight" (as "1998" is spelled)."""
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and (
            words[j] in _VALUES or words[j] == "hundred" or words[j] in _SCALES or (words[j] == "and" and j > i)
        ):
            j += 1
        while j > i and words[j - 1] == "and":
            j -= 1
        value = _spelled_value(words[i:j]) if j - i > 1 else None
        if value is None:
            out.append(words[i])
            i += 1
            continue
        out.append(_number_words(str(value)))
        i = j
    return " ".join(out)


def normalize(text: str) -> str:
    """Lower case, numbers spelled out ("$45,000" → "forty five thousand dollars") and spelled ones
    written one way ("two thousand and fifteen" = "2015"), punctuation dropped."""

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
    return _canonical_spelled_numbers(" ".join(text.split()))


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


def _alignment(ref: Sequence[str], hyp: Sequence[str]) -> tuple[set[int], dict[int, tuple[int, int]], set[int]]:
    """Word alignment of ``hyp`` to ``ref``: reference indices aligned to an equal word, each
    reference index's hypothesis span (``(k, k)`` for a deletion), and the reference indices
    before which the hypothesis inserted words."""
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    equal: set[int] = set()
    where: dict[int, tuple[int, int]] = {}
    inserted_before: set[int] = set()
    for chunk in out.alignments[0]:
        if chunk.type == "insert":
            inserted_before.add(chunk.ref_start_idx)
            continue
        for k in range(chunk.ref_start_idx, chunk.ref_end_idx):
            if chunk.type == "equal":
                equal.add(k)
            if chunk.type == "delete":
                where[k] = (chunk.hyp_start_idx, chunk.hyp_start_idx)
            else:
                offset = k - chunk.ref_start_idx
                where[k] = (chunk.hyp_start_idx + offset, chunk.hyp_start_idx + offset + 1)
    return equal, where, inserted_before


@dataclass
class Miss:
    """One reference item (a term occurrence or a number) the hypothesis got wrong."""

    expected: str
    heard: str
    context: str


def _check_spans(
    ref: Sequence[str], hyp: Sequence[str], spans: Sequence[tuple[int, int]]
) -> tuple[list[bool], list[Miss]]:
    """For each reference span ``(a, b)``: were all its words equal, with nothing inserted inside?"""
    equal, where, inserted_before = _alignment(ref, hyp)
    ok: list[bool] = []
    misses: list[Miss] = []
    for a, b in spans:
        right = all(k in equal for k in range(a, b)) and not any(k in inserted_before for k in range(a + 1, b))
        ok.append(right)
        if not right:
            lo = min(where.get(k, (len(hyp), len(hyp)))[0] for k in range(a, b))
            hi = max(where.get(k, (lo, lo))[1] for k in range(a, b))
            misses.append(
                Miss(
                    " ".join(ref[a:b]),
                    " ".join(hyp[lo:hi]) or "(nothing)",
                    " ".join(hyp[max(0, lo - 4) : hi + 4]),
                )
            )
    return ok, misses


def term_spans(reference: str, terms: Sequence[str]) -> tuple[list[str], list[tuple[int, int]]]:
    """The reference's tokens and the ``(start, end)`` token spans of every dictionary term occurrence."""
    ref = _tokens(reference)
    spans: list[tuple[int, int]] = []
    for term in terms:
        parts = term.replace(".", "").split()
        for i in range(len(ref) - len(parts) + 1):
            if ref[i : i + len(parts)] == parts:
                spans.append((i, i + len(parts)))
    return ref, sorted(spans)


def term_misses(reference: str, hypothesis: str, terms: Sequence[str]) -> tuple[int, int, list[Miss]]:
    """(recognised, total, misses) of dictionary-term occurrences, case-exact, aligned word by word."""
    ref, spans = term_spans(reference, terms)
    ok, misses = _check_spans(ref, _tokens(hypothesis), spans)
    return sum(ok), len(spans), misses


def term_recall(reference: str, hypothesis: str, terms: Sequence[str]) -> tuple[int, int]:
    """(recognised, total) occurrences of dictionary terms, case-exact, aligned word by word."""
    found, total, _ = term_misses(reference, hypothesis, terms)
    return found, total


def number_misses(reference: str, hypothesis: str) -> tuple[int, int, list[Miss]]:
    """(intact, total, misses) of reference tokens with a digit.

    A number is intact when the caption says it (as "$45,000", "45,000 dollars" or "four" for
    "4"): every word of its spelled-out form is aligned to an equal word, with nothing inserted
    between them ("$37,000" for "$37" reads "thirty seven thousand dollars": not intact). A
    number printed in pieces ("$45 ,000" reads "forty five", "zero") or misheard is not.
    """
    ref_words: list[str] = []
    spans: list[tuple[int, int]] = []
    for token in reference.split():
        words = normalize(token).split()
        if any(c.isdigit() for c in token):
            spans.append((len(ref_words), len(ref_words) + len(words)))
        ref_words.extend(words)
    ok, misses = _check_spans(ref_words, normalize(hypothesis).split(), spans)
    return sum(ok), len(spans), misses


def numbers_intact(reference: str, hypothesis: str) -> tuple[int, int]:
    """(intact, total) reference tokens with a digit whose words all came out right (see :func:`number_misses`)."""
    intact, total, _ = number_misses(reference, hypothesis)
    return intact, total


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalize(reference), normalize(hypothesis)))


# --------------------------------------------------------------------------------------------
# Corpus and the two systems


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def corpus(cache: Path, voices: Sequence[str], sentences: Sequence[str]) -> list[tuple[str, Path, str]]:
    items = []
    # Files are named by what is said (the spoken form, as synthesize speaks it), so a changed
    # sentence or reading is synthesised again instead of read from an older cache.
    tag_all = f"{len(sentences)}_{_digest(' '.join(spoken_form(s) for s in sentences))}"
    for voice in voices:
        tag = voice.replace(":", "_").replace("+", "_")
        out = cache / f"lecture_{tag}_{tag_all}.wav"
        if not out.exists():
            parts = [synthesize(s, cache / f"sentence_{tag}_{_digest(spoken_form(s))}.wav", voice) for s in sentences]
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
    words: list[Word]
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
        for w in trim_trailing_hallucination(tidy_numbers(transcript.words, "en"), duration)
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
        words,
        estimate_accuracy((w.probability for w in words), transcript.model),
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
    parser.add_argument(
        "--save-words", help="folder: the caption words (with probabilities) per voice and mode, as JSON"
    )
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
            if args.save_words:
                model = result.engine.split(":")[-1]
                out = Path(args.save_words) / f"words_{path.stem}_{quality}.json"
                out.parent.mkdir(parents=True, exist_ok=True)
                words = [[w.start, w.end, w.text, w.probability] for w in result.words]
                out.write_text(json.dumps({"voice": voice, "quality": quality, "model": model, "words": words}))
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
                for label, (_, _, misses), (_, _, raw_misses) in (
                    (
                        "term",
                        term_misses(reference, result.caption_text, LECTURE_DICTIONARY),
                        term_misses(reference, raw_text, LECTURE_DICTIONARY),
                    ),
                    ("number", number_misses(reference, result.caption_text), number_misses(reference, raw_text)),
                ):
                    for m in misses:
                        print(f"   {label} missed: {m.expected!r} → {m.heard!r}   (…{m.context}…)")
                    for m in raw_misses:
                        print(f"   raw {label} missed: {m.expected!r} → {m.heard!r}   (…{m.context}…)")
                print("   dropped:", drops)
                print("   raw dropped:", raw_drops)
                print("   caption:", result.caption_text)
    print()
    print("\n".join(rows))
    print(f"\nTargets: {TARGETS}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""No dropped speech: a file whose middle the prompted decode skips is still fully captioned."""

from __future__ import annotations

from pathlib import Path

import jiwer

from reachflow.asr.cleanup import trim_trailing_hallucination
from reachflow.asr.faster import FasterWhisperEngine
from reachflow.asr.synthetic import normalize_for_wer
from reachflow.captions.formats import CaptionFormat, parse_vtt, render
from reachflow.captions.model import CaptionStyle, Word
from reachflow.captions.segment import build_cues

DICTIONARY = ["Kaltura", "Kaltura REACH", "WebVTT", "turnaround time"]


def _dropped_runs(reference: str, hypothesis: str, min_words: int = 3) -> list[str]:
    out = jiwer.process_words(normalize_for_wer(reference), normalize_for_wer(hypothesis))
    ref = out.references[0]
    return [
        " ".join(ref[c.ref_start_idx : c.ref_end_idx])
        for c in out.alignments[0]
        if c.type == "delete" and c.ref_end_idx - c.ref_start_idx >= min_words
    ]


def test_speech_the_prompted_decode_skips_is_captioned(models_dir: Path, prompt_drop_clip: tuple[Path, str]) -> None:
    path, text = prompt_drop_clip
    # tiny.en with the dictionary prompt jumps from sentence 2 to sentence 8 of this clip.
    unguarded = FasterWhisperEngine("tiny.en", cpu_threads=2, models_dir=models_dir, guard=False)
    skipped = unguarded.transcribe(path, language="en", dictionary=DICTIONARY)
    assert _dropped_runs(text, skipped.text), "the prompt failure did not reproduce; the clip no longer tests coverage"

    engine = FasterWhisperEngine("tiny.en", cpu_threads=2, models_dir=models_dir)
    transcript = engine.transcribe(path, language="en", dictionary=DICTIONARY)
    words = [Word(w.start, w.end, w.text, w.probability) for w in trim_trailing_hallucination(transcript.words)]
    caption = " ".join(" ".join(c.lines) for c in parse_vtt(render(build_cues(words, CaptionStyle()), CaptionFormat.VTT)))
    assert _dropped_runs(text, caption) == []
    assert transcript.recovered and transcript.uncovered == []
    assert any("without prompt" in p for p in transcript.passes), transcript.passes
    assert [w.start for w in transcript.words] == sorted(w.start for w in transcript.words)

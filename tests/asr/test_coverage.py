"""No dropped speech: a file whose middle the prompted decode skips is still fully captioned."""

from __future__ import annotations

from pathlib import Path

import jiwer
import pytest

from reachflow.asr.base import Window, read_wav, wav_info
from reachflow.asr.cleanup import trim_trailing_hallucination
from reachflow.asr.faster import FasterWhisperEngine, _Decoded
from reachflow.asr.synthetic import LECTURE_DICTIONARY, LECTURE_SENTENCES, normalize_for_wer
from reachflow.captions.formats import CaptionFormat, parse_vtt, render
from reachflow.captions.model import CaptionStyle, Word
from reachflow.captions.segment import build_cues


def _dropped_runs(reference: str, hypothesis: str, min_words: int = 3) -> list[str]:
    out = jiwer.process_words(normalize_for_wer(reference), normalize_for_wer(hypothesis))
    ref = out.references[0]
    return [
        " ".join(ref[c.ref_start_idx : c.ref_end_idx])
        for c in out.alignments[0]
        if c.type == "delete" and c.ref_end_idx - c.ref_start_idx >= min_words
    ]


def _caption_text(engine: FasterWhisperEngine, path: Path, dictionary: list[str]) -> tuple[str, object]:
    """What the captions flow delivers: recognition, trimming, cues, WebVTT, parsed back."""
    transcript = engine.transcribe(path, language="en", dictionary=dictionary)
    words = [Word(w.start, w.end, w.text, w.probability) for w in trim_trailing_hallucination(transcript.words)]
    cues = build_cues(words, CaptionStyle())
    return " ".join(" ".join(c.lines) for c in parse_vtt(render(cues, CaptionFormat.VTT))), transcript


def test_a_skipped_middle_sentence_is_decoded_again(
    tiny: FasterWhisperEngine,
    clip_factory,
    quality_voice: str,  # type: ignore[no-untyped-def]
) -> None:
    # The failure as measured on the lecture (bench): the prompted pass jumps over a sentence and
    # the aligner stretches the next segment's first word over the skipped speech. Here the first
    # pass is real, and its words for the middle sentence are taken out the same way.
    sentences = LECTURE_SENTENCES[36:39]
    path = clip_factory("skip_middle", sentences, quality_voice, 0.6)
    first = tiny._decode(
        read_wav(path),
        0.0,
        language="en",
        prompt="Okafor, Kaltura.",
        hotwords=None,
        word_timestamps=True,
        vad_filter=True,
    )
    n_first = len(sentences[0].split())
    n_middle = len(sentences[1].split())
    kept = first.words[:n_first] + first.words[n_first + n_middle :]
    stretched = kept[n_first]
    kept[n_first] = type(stretched)(first.words[n_first].start, stretched.end, stretched.text, stretched.probability)
    skipped = _Decoded(kept, first.segments, "en", 1.0)
    assert _dropped_runs(" ".join(sentences), " ".join(w.text for w in kept))

    duration = wav_info(path).duration
    coverage = tiny._guard(
        read_wav(path), Window(0.0, duration, 0.0, duration), skipped, "en", "Okafor, Kaltura.", None, tiny.model_path
    )
    text = " ".join(w.text for w in coverage.words)
    assert _dropped_runs(" ".join(sentences), text) == [], text
    assert coverage.recovered and coverage.uncovered == []
    assert any("without prompt" in p for p in coverage.passes), coverage.passes


@pytest.mark.slow
def test_a_lecture_the_prompted_decode_skips_is_fully_captioned(models_dir: Path, speech_dir: Path) -> None:
    # Piper joe, 3.8 min: tiny.en with the dictionary prompt skipped two stretches of about 20 s
    # (measured here: "the WebVTT format ... the whole video", "that 95% ... by June").
    from reachflow.asr.synthetic import concatenate, piper_available, synthesize

    if not piper_available():
        pytest.skip("needs the Piper joe voice")
    path = speech_dir / "lecture_joe.wav"
    if not path.exists():
        parts = [
            synthesize(s, speech_dir / f"lecture_joe_{i}.wav", "piper:joe") for i, s in enumerate(LECTURE_SENTENCES)
        ]
        concatenate(parts, path, 0.6)
    text = " ".join(LECTURE_SENTENCES)
    dictionary = list(LECTURE_DICTIONARY)
    # Whether the prompted pass skips here depends on Whisper's temperature-fallback sampling (the
    # engine now seeds it, and with that seed tiny.en happens not to skip): the deterministic skip is
    # the test above. This one holds the whole pipeline to a full lecture: nothing dropped, nothing
    # left uncovered.
    caption, transcript = _caption_text(
        FasterWhisperEngine("tiny.en", cpu_threads=2, models_dir=models_dir), path, dictionary
    )
    assert _dropped_runs(text, caption) == [], caption
    assert transcript.uncovered == []  # type: ignore[attr-defined]

"""Quality mode: the rule that picks it from the deadline, and what the engine does in it."""

from __future__ import annotations

from pathlib import Path

from reachflow.asr.faster import FasterWhisperEngine
from reachflow.asr.quality import JOB_OVERHEAD_SECONDS, RTF_BEST, RTF_FAST, choose_quality
from reachflow.asr.synthetic import synthesize


def test_best_when_the_deadline_leaves_room_for_it() -> None:
    hour = 3600.0
    roomy = choose_quality(hour, 48 * hour)
    assert roomy.mode == "best" and "min left" in roomy.reason
    assert roomy.expected_seconds == hour * RTF_BEST
    assert roomy.extra_seconds == hour * (RTF_BEST - RTF_FAST)
    tight = choose_quality(hour, 15 * 60.0)
    assert tight.mode == "fast" and tight.extra_seconds == 0.0 and "only" in tight.reason
    # Exactly enough: the queue ahead, the job's fixed work and three times the best decode.
    edge = 600.0 + JOB_OVERHEAD_SECONDS + 3 * hour * RTF_BEST
    assert choose_quality(hour, edge, queued_seconds=600.0).mode == "best"
    assert choose_quality(hour, edge - 1, queued_seconds=600.0).mode == "fast"


def test_no_deadline_is_best_and_other_languages_are_already_best() -> None:
    assert choose_quality(600.0, None).mode == "best"
    spanish = choose_quality(600.0, None, language="es-ES")
    assert spanish.mode == "fast" and spanish.extra_seconds == 0.0 and "base already" in spanish.reason


def test_best_mode_decodes_english_with_base(models_dir: Path, speech_dir: Path) -> None:
    path = synthesize("Doctor Okafor ordered captions for 1,200 lectures.", speech_dir / "best_mode.wav", "en")
    engine = FasterWhisperEngine("tiny.en", cpu_threads=2, models_dir=models_dir)
    best = engine.transcribe(path, language="en", dictionary=["Okafor"], quality="best")
    assert best.model == "base" and best.quality == "best"
    assert best.passes[0].startswith("base+prompt")
    assert "Okafor" in best.text and "1,200" in best.text
    fast = engine.transcribe(path, language="en", dictionary=["Okafor"])
    assert fast.model == "tiny.en" and fast.quality == "fast"

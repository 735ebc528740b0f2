"""Speech recognition as a Prefect task, shared by every service that starts from the media's speech.

:func:`recognize` checks the spoken language (multilingual Whisper base), then recognises the
job's source language with word timings, steered by the REACH dictionary. Its result is persisted
under the stable key ``<cache scope>-recognize``, so a retried, restarted or resumed run never
recognises the same media twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import create_progress_artifact, update_progress_artifact

from reachflow.asr.quality import QualityChoice, choose_quality
from reachflow.captions.model import NonSpeech, Word
from reachflow.errors import MediaError
from reachflow.settings import get_settings
from tasks.job import ActiveJob, artifact_key, job_step_key
from tasks.media import AudioTrack

__all__ = ["RECOGNITION_RETRIES", "Recognized", "recognize"]

RECOGNITION_RETRIES: dict[str, Any] = dict(retries=1, retry_delay_seconds=[10])


@dataclass
class Recognized:
    """Timed words in the job's source language, with the estimated accuracy."""

    words: list[Word]
    language: str
    accuracy: int
    seconds: float
    engine: str
    speaker_changes: list[float] = field(default_factory=list)
    non_speech: list[NonSpeech] = field(default_factory=list)
    # How the words were made (job report); defaults keep results pickled before them loadable.
    quality: str = "fast"
    quality_reason: str = ""
    quality_extra_seconds: float = 0.0
    passes: list[str] = field(default_factory=list)
    recovered: list[tuple[float, float]] = field(default_factory=list)
    uncovered: list[tuple[float, float]] = field(default_factory=list)
    snapped: list[tuple[str, str]] = field(default_factory=list)

    def __setstate__(self, state: dict[str, Any]) -> None:
        defaults: dict[str, Any] = {
            "quality": "fast",
            "quality_reason": "",
            "quality_extra_seconds": 0.0,
            "passes": [],
            "recovered": [],
            "uncovered": [],
            "snapped": [],
        }
        self.__dict__.update({**defaults, **state})

    def report_rows(self) -> list[tuple[str, str]]:
        """What recognition did, as (label, value) rows for a job report."""
        cost = f", +{self.quality_extra_seconds:.0f} s" if self.quality_extra_seconds else ""
        return [
            (
                "recognition quality",
                f"{self.quality} ({self.engine}){': ' + self.quality_reason if self.quality_reason else ''}{cost}",
            ),
            ("decoding passes", "; ".join(self.passes) or "one"),
            ("speech re-decoded", _stretches(self.recovered)),
            ("speech left without words", _stretches(self.uncovered)),
            ("dictionary corrections", ", ".join(f"{heard} → {term}" for heard, term in self.snapped) or "none"),
        ]


def _stretches(spans: list[tuple[float, float]]) -> str:
    if not spans:
        return "none"
    total = sum(end - start for start, end in spans)
    shown = ", ".join(f"{start:.1f}–{end:.1f} s" for start, end in spans[:8])
    more = f" (+{len(spans) - 8} more)" if len(spans) > 8 else ""
    return f"{len(spans)} ({total:.1f} s): {shown}{more}"


@task(
    name="recognize",
    cache_key_fn=job_step_key("recognize"),
    persist_result=True,
    result_serializer="pickle",
    **RECOGNITION_RETRIES,
)
def recognize(active: ActiveJob, audio: AudioTrack) -> Recognized:
    """Language check, then recognition with word timings, steered by the REACH dictionary.

    Args:
        active: The job; its catalog item's sourceLanguage is the language ordered.
        audio: The decoded audio (:func:`tasks.media.decode_audio`).

    Raises:
        LanguageMismatch: The media speaks another language than the one ordered.
        MediaError: No speech was recognised.
    """
    from blocks.engines import load_engine_settings
    from reachflow.asr.accuracy import estimate_accuracy
    from reachflow.asr.cleanup import tidy_numbers, trim_trailing_hallucination
    from reachflow.asr.language import check_language, identify_language

    logger = get_run_logger()
    job = active.job
    language = job.source_language_code
    engine_settings = load_engine_settings()
    guess = identify_language(audio.wav, settings=engine_settings)
    logger.info("Spoken language: %s (p=%.2f), ordered %s", guess.code, guess.probability, language)
    check_language(
        language, guess, ordered_name=job.source_language_name, min_probability=engine_settings.language_id_threshold
    )
    engine = engine_settings.build_engine(language)
    choice = _quality_for(active, audio.duration, language)
    logger.info("Recognition quality %s: %s", choice.mode, choice.reason)
    progress_id = cast(
        UUID | None,
        create_progress_artifact(
            progress=0.0,
            key=artifact_key("recognition-progress", job),
            description=f"Speech recognition of entry {job.task.entry_id} ({audio.duration:.0f} s)",
        ),
    )

    def on_progress(done: float, total: float) -> None:
        if progress_id is not None and total > 0:
            update_progress_artifact(progress_id, min(100.0, 100.0 * done / total))

    started = time.monotonic()
    transcript = engine.transcribe(
        audio.wav, language=language, dictionary=job.dictionary_terms, on_progress=on_progress, quality=choice.mode
    )
    seconds = time.monotonic() - started
    if progress_id is not None:
        update_progress_artifact(progress_id, 100.0)
    if not transcript.words:
        raise MediaError("no speech was recognised in the media")
    # Whisper can end a file with words never spoken (seen with a dictionary prompt); none may
    # start or end after the media either. Amounts and percentages are written one way ("$15", "95%").
    words = [
        Word(start=w.start, end=w.end, text=w.text, probability=w.probability)
        for w in trim_trailing_hallucination(tidy_numbers(transcript.words, language), audio.duration)
    ]
    if not words:
        raise MediaError("no speech was recognised in the media")
    logger.info(
        "Recognised %s words in %.1f s of audio (%.1f s, RTF %.3f)",
        len(words),
        audio.duration,
        seconds,
        seconds / max(audio.duration, 0.001),
    )
    return Recognized(
        words=words,
        language=language,
        accuracy=estimate_accuracy([w.probability for w in words], transcript.model),
        seconds=seconds,
        engine=f"{transcript.engine}:{transcript.model}",
        quality=transcript.quality,
        quality_reason=choice.reason,
        quality_extra_seconds=choice.extra_seconds if transcript.quality == "best" else 0.0,
        passes=list(transcript.passes),
        recovered=list(transcript.recovered),
        uncovered=list(transcript.uncovered),
        snapped=list(transcript.snapped),
    )


def _quality_for(active: ActiveJob, media_seconds: float, language: str) -> QualityChoice:
    """The operator's setting, or (``auto``) what the job's deadline leaves room for."""
    mode = get_settings().quality_mode
    if mode != "auto":
        return QualityChoice(mode, f"set by REACHFLOW_QUALITY_MODE={mode}", 0.0, 0.0)
    seconds_left = active.deadline.remaining().total_seconds()
    return choose_quality(media_seconds, max(0.0, seconds_left), language=language)

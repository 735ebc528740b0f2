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

from reachflow.captions.model import NonSpeech, Word
from reachflow.errors import MediaError
from tasks.job import ActiveJob, artifact_key
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


def _recognition_cache_key(context: Any, parameters: dict[str, Any]) -> str:
    active: ActiveJob = parameters["active"]
    return f"{active.cache_scope()}-recognize"


@task(
    name="recognize",
    cache_key_fn=_recognition_cache_key,
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
    from reachflow.asr.cleanup import trim_trailing_hallucination
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
        audio.wav, language=language, dictionary=job.dictionary_terms, on_progress=on_progress
    )
    seconds = time.monotonic() - started
    if progress_id is not None:
        update_progress_artifact(progress_id, 100.0)
    if not transcript.words:
        raise MediaError("no speech was recognised in the media")
    # Whisper can end a file with words never spoken (seen with a dictionary prompt); none may
    # start or end after the media either.
    words = [
        Word(start=w.start, end=w.end, text=w.text, probability=w.probability)
        for w in trim_trailing_hallucination(transcript.words, audio.duration)  # type: ignore[type-var]
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
        accuracy=estimate_accuracy([w.probability for w in words]),
        seconds=seconds,
        engine=f"{transcript.engine}:{transcript.model}",
    )

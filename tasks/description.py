"""Steps the audio-description services share: the picture, what is seen in it, and the speech pauses.

* :func:`fetch_picture_media`: the entry's flavor that has both a picture and sound (task);
  description needs the picture, so an entry without one ends the job (no guessing from sound).
* :func:`find_speech_pauses`: the pauses of at least ~2 s between speech (voice activity; persisted).
* :func:`see_shots`: shot cuts, a keyframe per shot, its on-screen text and faces (persisted).
* :func:`publish_keyframes`: a contact sheet and one image artifact per keyframe, for the person
  writing human descriptions (only where the vendor publishes its jobs folder, ``review_media_url``:
  a Prefect image artifact is a link, never the picture itself).

Every persisted step is keyed by the job's cache scope, so a retried, restarted or resumed run
never does it twice.
"""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_image_artifact
from prefect.cache_policies import NO_CACHE

from reachflow.audio.pauses import Pause, speech_pauses
from reachflow.errors import MediaError
from reachflow.settings import get_settings
from reachflow.visual import ShotSignals, analyse_shots, contact_sheet
from tasks.job import KALTURA_RETRIES, ActiveJob, artifact_key, job_step_key
from tasks.media import fetch_media

__all__ = [
    "NO_PICTURE",
    "fetch_picture_media",
    "find_speech_pauses",
    "publish_keyframes",
    "published_url",
    "see_shots",
]

NO_PICTURE = "the media has no video track: audio description describes the picture"


@task(name="fetch-picture-media", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def fetch_picture_media(active: ActiveJob, workdir: Path) -> Path:
    """Download the entry's best flavor with a picture and sound (sharpest up to 720 lines first).

    Raises:
        MediaError: no flavor has a picture (``NO_PICTURE``), or none with a picture has sound.
    """
    try:
        return fetch_media.fn(active, workdir, track="picture and sound")
    except MediaError as exc:
        if exc.message == "media has no video track":
            raise MediaError(NO_PICTURE) from None
        raise


@task(
    name="find-speech-pauses",
    cache_key_fn=job_step_key("speech-pauses"),
    persist_result=True,
    result_serializer="pickle",
)
def find_speech_pauses(active: ActiveJob, wav: Path) -> list[Pause]:
    """The pauses of at least 2 s between speech in the 16 kHz WAV (Silero VAD)."""
    pauses = speech_pauses(wav)
    get_run_logger().info(
        "%s speech pauses of at least 2 s (%.1f s in all)", len(pauses), sum(p.duration for p in pauses)
    )
    return pauses


@task(name="see-shots", cache_key_fn=job_step_key("shots"), persist_result=True, result_serializer="pickle")
def see_shots(active: ActiveJob, media: Path, workdir: Path) -> list[ShotSignals]:
    """Shot cuts, a keyframe per shot (``shot-NNN.png`` in ``workdir``), its on-screen text and faces."""
    signals = analyse_shots(media, workdir, language=active.job.source_language_code)
    get_run_logger().info(
        "%s shots; on-screen text in %s, faces in %s",
        len(signals),
        sum(1 for s in signals if s.text),
        sum(1 for s in signals if s.faces),
    )
    return signals


def published_url(path: Path) -> str | None:
    """Where a reviewer opens a file of the job's folder (``review_media_url``), else None."""
    base = get_settings().review_media_url
    if not base:
        return None
    return f"{base.rstrip('/')}/{path.parent.name}/{path.name}"


@task(name="publish-keyframes", cache_policy=NO_CACHE)
def publish_keyframes(active: ActiveJob, signals: list[ShotSignals], workdir: Path) -> Path:
    """The contact sheet of every keyframe (``contact-sheet.jpg``), and an image artifact per shot
    where the jobs folder is published. Returns the contact sheet."""
    frames = [s.keyframe for s in signals if s.keyframe is not None]
    sheet = contact_sheet([s.shot for s in signals if s.keyframe is not None], frames, workdir / "contact-sheet.jpg")
    for item in signals:
        url = published_url(item.keyframe) if item.keyframe is not None else None
        if url:
            create_image_artifact(
                image_url=url,
                key=artifact_key(f"keyframe-{item.shot.index + 1}", active.job),
                description=f"Shot {item.shot.index + 1} at {item.shot.start:.1f} s (REACH task {active.task_id})",
            )
    return sheet

"""Chaptering steps as Prefect tasks: chapters from the recognised words, and their delivery as cue points.

* :func:`find_chapters`: sentences → embeddings → topic shifts → chapters (``reachflow.chapters``),
  nudged to pauses in the speech (and shot cuts when the media has a picture); persisted under the
  job's cache scope, so a resumed or restarted run never recomputes them.
* :func:`deliver_chapters`: one ``KalturaThumbCuePoint`` (subType CHAPTER) per chapter. The task's cue
  points already on the entry are listed first; the missing chapters go in one
  ``cuePoint.addFromBulk``; what the bulk did not make, or made without the chapter's title,
  description and subType (Kaltura's bulk ingestion keeps only start, tags and system name of a
  thumb cue point: ``docs/chaptering.md``), is added one by one with ``cuePoint.add`` or completed
  with ``cuePoint.update``; cue points of the task no chapter wants are deleted. Every chapter has
  a stable system name, unique per entry in Kaltura, so a retry or restart never doubles one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from reachflow.audio.pauses import find_pauses
from reachflow.chapters import Chapter, make_chapters, sentences_from_words, universal_encoder
from reachflow.chapters.bulk import chapters_bulk_xml
from reachflow.chapters.delivery import WantedChapter, compare_chapters, wanted_chapters
from reachflow.errors import ReachError, TransientError
from tasks.asr import Recognized
from tasks.job import KALTURA_RETRIES, ActiveJob, job_step_key
from tasks.kaltura import TaskApi

__all__ = [
    "CHAPTER_PAUSE",
    "ChapterDelivery",
    "ChapterDraft",
    "deliver_chapter_list",
    "deliver_chapters",
    "find_chapters",
]

log = logging.getLogger("reachflow.chapters")

# Pauses in the speech a chapter start may move to (shorter than audio description's 2 s).
CHAPTER_PAUSE = 0.4


@dataclass
class ChapterDraft:
    """The machine's chapters and how they were found (persisted once per job)."""

    chapters: list[Chapter]
    keywords: list[list[str]]
    duration: float
    sentences: int
    depths: list[float]
    nudged: list[str]
    cuts: int
    seconds: float
    encoder: str
    language: str
    notes: list[str] = field(default_factory=list)


def _shot_cuts(media: Path) -> tuple[list[float], str]:
    from reachflow.errors import MediaError
    from reachflow.ffmpeg import probe
    from reachflow.visual.shots import detect_shots

    try:
        if not probe(media).has_video:
            return [], "no picture in the fetched flavor: chapter starts nudged to pauses only"
        return [shot.start for shot in detect_shots(media)[1:]], ""
    except MediaError as exc:
        return [], f"shot cuts not read ({exc.message}): chapter starts nudged to pauses only"


@task(name="find-chapters", cache_key_fn=job_step_key("chapters"), persist_result=True, result_serializer="pickle")
def find_chapters(active: ActiveJob, recognized: Recognized, duration: float, media: Path) -> ChapterDraft:
    """Chapters of the media from its recognised words, in the job's source language."""
    from reachflow.captions.keywords import extract_keywords

    started = time.monotonic()
    sentences = sentences_from_words(recognized.words)
    pauses = [
        (p.start, p.end)
        for p in find_pauses(((w.start, w.end) for w in recognized.words), duration, min_pause=CHAPTER_PAUSE)
    ]
    cuts, note = _shot_cuts(media)
    encoder = universal_encoder()
    plan = make_chapters(sentences, duration, encoder, language=recognized.language, pauses=pauses, cuts=cuts)
    keywords = []
    bounds = [*(c.start for c in plan.chapters[1:]), duration]
    for chapter, end in zip(plan.chapters, bounds, strict=True):
        text = " ".join(w.text for w in recognized.words if chapter.start <= w.start < end)
        keywords.append(extract_keywords(text, max_keywords=3, language=recognized.language))
    seconds = time.monotonic() - started
    get_run_logger().info(
        "%s chapters from %s sentences in %.1f s (%s)",
        len(plan.chapters),
        len(sentences),
        seconds,
        ", ".join(plan.nudged),
    )
    return ChapterDraft(
        chapters=plan.chapters,
        keywords=keywords,
        duration=duration,
        sentences=len(sentences),
        depths=plan.depths,
        nudged=plan.nudged,
        cuts=len(cuts),
        seconds=seconds,
        encoder=encoder.name,
        language=recognized.language,
        notes=[note] if note else [],
    )


@dataclass(frozen=True)
class ChapterDelivery:
    """The chapters' cue point ids (in order) and how they got there."""

    cue_point_ids: list[str]
    bulk: str  # "all chapters", "not needed", "kept N of M …", "failed: …"
    added_one_by_one: int
    completed: int
    removed: int


def deliver_chapter_list(
    api: TaskApi, entry_id: str, task_id: int, chapters: list[Chapter], keywords: list[list[str]], *, bulk: bool = True
) -> ChapterDelivery:
    """Converge the entry's cue points of this task on ``chapters`` (see the module docstring)."""
    from tasks.delivery import task_tag

    tag = task_tag(task_id)
    wanted = wanted_chapters(task_id, tag, chapters, keywords)
    work = compare_chapters(wanted, api.list_thumb_cue_points(entry_id, tag))
    bulk_outcome = "not needed"
    if work.missing and bulk:
        asked = len(work.missing)
        items = [(w.system_name, w.chapter, w.tag_list) for w in work.missing]
        try:
            api.add_cue_points_from_bulk(chapters_bulk_xml(entry_id, items))
            bulk_outcome = "answered"
        except ReachError as exc:
            bulk_outcome = f"failed: {exc.message}"
            log.warning("Task %s: the chapter bulk failed (%s); reading back what it made", task_id, exc.message)
        work = compare_chapters(wanted, api.list_thumb_cue_points(entry_id, tag))
        made = asked - len(work.missing)
        if bulk_outcome == "answered":
            bulk_outcome = f"made {made} of {asked}" + (
                f", {len(work.incomplete)} without their chapter fields" if work.incomplete else ""
            )
        else:
            bulk_outcome += f" (made {made} of {asked} before failing)"
    for chapter in work.missing:
        _add(api, entry_id, chapter)
    for chapter, cue in work.incomplete:
        api.update_chapter_cue_point(
            cue.id,
            start_ms=chapter.chapter.start_ms,
            title=chapter.chapter.title,
            description=chapter.chapter.description,
            tags=chapter.tags,
        )
    for cue in work.extra:
        api.delete_cue_point(cue.id)
    final = compare_chapters(wanted, api.list_thumb_cue_points(entry_id, tag))
    if not final.finished:
        raise TransientError(
            f"chapters not all on the entry after delivery ({len(final.missing)} missing, "
            f"{len(final.incomplete)} not as sent, {len(final.extra)} extra)"
        )
    ids = [cue.id for _, cue in final.done]
    log.info(
        "Task %s: %s chapters on entry %s (bulk: %s; added one by one %s, completed %s, removed %s)",
        task_id, len(ids), entry_id, bulk_outcome, len(work.missing), len(work.incomplete), len(work.extra),
    )  # fmt: skip
    return ChapterDelivery(
        cue_point_ids=ids,
        bulk=bulk_outcome,
        added_one_by_one=len(work.missing),
        completed=len(work.incomplete),
        removed=len(work.extra),
    )


def _add(api: TaskApi, entry_id: str, wanted: WantedChapter) -> None:
    api.add_chapter_cue_point(
        entry_id,
        start_ms=wanted.chapter.start_ms,
        title=wanted.chapter.title,
        description=wanted.chapter.description,
        tags=wanted.tags,
        system_name=wanted.system_name,
    )


@task(name="deliver-chapters", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def deliver_chapters(active: ActiveJob, chapters: list[Chapter], keywords: list[list[str]]) -> ChapterDelivery:
    """Prefect task: :func:`deliver_chapter_list` on the job's accessKey."""
    from reachflow.settings import get_settings

    job = active.job
    done = deliver_chapter_list(
        active.api(), job.task.entry_id, job.task.id, chapters, keywords, bulk=get_settings().chapters_bulk
    )
    get_run_logger().info(
        "Task %s: %s chapters delivered (bulk: %s; added one by one %s, completed %s, removed %s)",
        job.task.id, len(done.cue_point_ids), done.bulk, done.added_one_by_one, done.completed, done.removed,
    )  # fmt: skip
    return done

"""REACH chaptering (serviceFeature CHAPTERING): media in; one chapter cue point per topic out.

The flow reads top to bottom like the job::

    begin (PROCESSING, deadline)            flows/lifecycle.py
    fetch media      playback context, flavor choice, download             tasks/media.py
    decode audio     16 kHz mono WAV; undecodable or silent media ends the job in ERROR
    recognize        language check, recognition (persisted)               tasks/asr.py
    find chapters    sentences → multilingual sentence embeddings → topic shifts; chapter count
                     scales with the length (none shorter than 30 s unless the media is); starts
                     nudged to the nearest pause or shot cut; titles and descriptions in the source
                     language (persisted)                                  tasks/chapters.py
    [HUMAN jobs]     the chapter list (start | title | description) goes to a person in the form
                     (tasks/review.py); it is checked (times increasing and inside the media,
                     titles not empty) and re-asked with the reasons
    deliver          one KalturaThumbCuePoint (subType CHAPTER) per chapter: the task's cue points
                     are listed first, the missing ones go in one cuePoint.addFromBulk, what the
                     bulk did not make (or made without its chapter fields) is added one by one or
                     completed; retries never double a chapter               tasks/chapters.py
    finish           READY; outputObjectId = the first chapter's cue point (docs/chaptering.md);
                     accuracy = the recognition's estimate (HUMAN: the person's)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.input import RunInput
from prefect.states import State
from pydantic import Field

from flows.lifecycle import ActiveJob, JobResult, checkpoint, run_service
from reachflow.chapters import Chapter, check_chapters, format_timestamp, parse_chapter_list, render_chapter_list
from reachflow.chapters.model import ChapterListError
from reachflow.markdown import md_block, md_inline
from tasks.asr import recognize
from tasks.chapters import ChapterDelivery, ChapterDraft, deliver_chapters, find_chapters
from tasks.job import job_step_key, job_workdir, publish_job_report
from tasks.media import apply_content_deletion_policy, decode_audio, fetch_media

__all__ = ["ChapterSubmission", "ChapteringDraft", "chaptering_flow"]


@flow(name="reach-chaptering", flow_run_name="chaptering-{partner_id}-{task_id}")
def chaptering_flow(task_id: int, partner_id: int = 0, account_block: str | None = None) -> dict[str, Any] | State:
    """Chapter one REACH task's entry and deliver the chapters as cue points.

    Args:
        task_id: The entryVendorTask id.
        partner_id: The customer partner (used in the run name only; the task is read from Kaltura).
        account_block: KalturaVendorAccount block name (settings default).
    """
    return run_service(
        task_id, "chaptering", machine=machine_chaptering_job, human=human_chaptering_job, account_block=account_block
    )


@dataclass
class ChapteringDraft:
    """The machine's work on one entry, persisted once: the media, recognition and chapters."""

    entry_name: str
    media_file: str
    workdir: str
    recognition_seconds: float
    recognition_accuracy: int
    chapters: ChapterDraft


@task(
    name="chaptering-draft",
    cache_key_fn=job_step_key("chaptering-draft"),
    persist_result=True,
    result_serializer="pickle",
)
def machine_chapters(active: ActiveJob) -> ChapteringDraft:
    """Media → audio → recognition → chapters (each step persisted too)."""
    workdir = job_workdir(active)
    checkpoint(active, "fetch media")
    media = fetch_media(active, workdir)
    checkpoint(active, "decode audio")
    audio = decode_audio(media, workdir)
    checkpoint(active, "recognize")
    recognized = recognize(active, audio)
    checkpoint(active, "find chapters")
    chapters = find_chapters(active, recognized, audio.duration, media)
    entry = active.api().get_entry(active.job.task.entry_id)
    return ChapteringDraft(
        entry_name=entry.name or entry.id,
        media_file=str(media),
        workdir=str(workdir),
        recognition_seconds=recognized.seconds,
        recognition_accuracy=recognized.accuracy,
        chapters=chapters,
    )


def machine_chaptering_job(active: ActiveJob) -> JobResult:
    """MACHINE chaptering: media → recognition → chapters → cue points."""
    started = time.monotonic()
    draft = machine_chapters(active)
    checkpoint(active, "deliver")
    delivered = deliver_chapters(active, draft.chapters.chapters, draft.chapters.keywords)
    apply_content_deletion_policy(Path(draft.workdir), active.job.profile.content_deletion_policy)
    accuracy = draft.recognition_accuracy
    summary = _report(active, draft, draft.chapters.chapters, delivered, accuracy, time.monotonic() - started)
    return JobResult(output_object_id=delivered.cue_point_ids[0], accuracy=accuracy, summary=summary)


# --------------------------------------------------------------------------------------------
# Human chaptering


class ChapterSubmission(RunInput):
    """What a person submits: the chapter list, one ``start | title | description`` line per chapter."""

    chapters: str = Field(
        description="The chapters, one per line: start (HH:MM:SS) | title | description. The first starts at "
        "00:00:00; start times increase and stay inside the media; every chapter has a title.",
        json_schema_extra={"format": "textarea"},
    )
    accuracy: int = Field(default=99, ge=0, le=100, description="The accuracy you vouch for, in percent.")
    note: str = Field(default="", description="Anything the operations team should know (optional).")


def check_submission(submission: ChapterSubmission, duration: float) -> list[str]:
    """The problems with a submitted chapter list (empty when it can be delivered)."""
    try:
        chapters = parse_chapter_list(submission.chapters)
    except ChapterListError as exc:
        return [str(exc)]
    return check_chapters(chapters, duration)


def human_chaptering_job(active: ActiveJob) -> JobResult:
    """HUMAN chaptering: the machine's chapter list goes to a person; theirs is checked, then delivered."""
    from tasks.review import ask_a_person, asked_before, keep_answer, media_link, recall_answer

    started = time.monotonic()
    draft = machine_chapters(active)
    duration = draft.chapters.duration
    answer = recall_answer(active, "chapters")
    if answer is None:
        if not asked_before():
            checkpoint(active, "human chaptering")
        submission = ask_a_person(
            active,
            title=f"Chapter “{md_inline(draft.entry_name)}”",
            work_package=work_package(active, draft),
            input_type=ChapterSubmission,
            initial={"chapters": render_chapter_list(draft.chapters.chapters), "accuracy": 99, "note": ""},
            validate=lambda s: check_submission(s, duration),
            brief=(
                f"Media: {media_link(draft.media_file)} ({format_timestamp(duration)}). One chapter per line: "
                "`HH:MM:SS | title | description`; the first at 00:00:00, times increasing, titles not empty."
            ),
        )
        answer = keep_answer(active, "chapters", submission.model_dump(include={"chapters", "accuracy", "note"}))
    else:
        get_run_logger().info("Task %s: delivering the chapters kept by an earlier run", active.task_id)
    checkpoint(active, "deliver")
    chapters = parse_chapter_list(str(answer["chapters"]))
    delivered = deliver_chapters(active, chapters, _keywords_for(chapters, draft))
    apply_content_deletion_policy(Path(draft.workdir), active.job.profile.content_deletion_policy)
    accuracy = int(answer["accuracy"])
    summary = _report(
        active, draft, chapters, delivered, accuracy, time.monotonic() - started, note=str(answer.get("note") or "")
    )
    return JobResult(output_object_id=delivered.cue_point_ids[0], accuracy=accuracy, summary=summary)


def _keywords_for(chapters: list[Chapter], draft: ChapteringDraft) -> list[list[str]]:
    """The machine's keywords of the machine chapter a person's chapter starts in (tags of its cue point)."""
    machine = draft.chapters.chapters
    keywords = []
    for chapter in chapters:
        index = max((i for i, m in enumerate(machine) if m.start <= chapter.start + 0.001), default=0)
        keywords.append(draft.chapters.keywords[index] if index < len(draft.chapters.keywords) else [])
    return keywords


def work_package(active: ActiveJob, draft: ChapteringDraft) -> str:
    """Markdown with everything a person needs: the entry, notes, rules and the machine's chapters."""
    from tasks.review import job_brief

    brief = job_brief(
        active, entry_name=draft.entry_name, media_seconds=draft.chapters.duration, media_file=draft.media_file
    )
    rows = "\n".join(
        f"| {i} | {format_timestamp(c.start)} | {md_inline(c.title)} | {md_inline(c.description)} |"
        for i, c in enumerate(draft.chapters.chapters, start=1)
    )
    return f"""{brief}
## Rules to follow

| setting | value |
|---|---|
| language | {active.job.source_language_name} (titles and descriptions in it) |
| first chapter | starts at 00:00:00 |
| start times | increasing, inside the media (0 to {format_timestamp(draft.chapters.duration)}) |
| titles | not empty, at most 120 characters |
| suggested length | chapters of 30 s or more |

## How to submit

- **Prefect UI:** open this flow run, press **Resume**, edit the chapter list in the form (one line per
  chapter: `HH:MM:SS | title | description`), set the accuracy you vouch for, and submit.
- **CLI:** `reachflow review submit <flow-run-name-or-id> --file chapters.txt --accuracy 99`

The list is checked before delivery; if something is wrong the run waits again and this page says what.

## Machine chapters ({len(draft.chapters.chapters)}, from {draft.chapters.sentences} sentences)

| # | start | title | description |
|---|---|---|---|
{rows}

## The list to edit

{md_block(render_chapter_list(draft.chapters.chapters))}
"""


# --------------------------------------------------------------------------------------------
# The job report


def _report(
    active: ActiveJob,
    draft: ChapteringDraft,
    chapters: list[Chapter],
    delivered: ChapterDelivery,
    accuracy: int,
    job_seconds: float,
    note: str = "",
) -> dict[str, Any]:
    job = active.job
    found = draft.chapters
    rows = "\n".join(
        f"| {i} | {format_timestamp(c.start)} | {md_inline(c.title)} | `{cue}` |"
        for i, (c, cue) in enumerate(zip(chapters, delivered.cue_point_ids, strict=False), start=1)
    )
    notes = "\n".join(f"- {md_inline(n)}" for n in [*found.notes, *active.notes]) or "- none"
    markdown = f"""# Chaptering job {job.task.id} — partner {job.task.partner_id}

| | |
|---|---|
| entry | `{job.task.entry_id}` ({md_inline(draft.entry_name)}, {found.duration:.1f} s) |
| service | {job.service_type_label} chaptering, {job.source_language_name} |
| chapters | {len(chapters)} (machine: {len(found.chapters)} from {found.sentences} sentences, {found.encoder}) |
| chapter starts | {md_inline(", ".join(found.nudged))}; shot cuts seen: {found.cuts} |
| delivery | bulk: {md_inline(delivered.bulk)}; added one by one {delivered.added_one_by_one}, completed {delivered.completed}, removed {delivered.removed} |
| outputObjectId | `{delivered.cue_point_ids[0]}` (first chapter) |
| accuracy | {accuracy} % |
| recognition | {draft.recognition_seconds:.1f} s; chapters {found.seconds:.1f} s |
| processing time | {job_seconds:.1f} s |
| deadline | {active.deadline.due.isoformat()} |
| person's note | {md_inline(note) or "—"} |

## Chapters

| # | start | title | cue point |
|---|---|---|---|
{rows}

## Notes

{notes}
"""
    publish_job_report("chaptering", job, markdown)
    return {
        "chapters": len(chapters),
        "cue_point_ids": delivered.cue_point_ids,
        "bulk": delivered.bulk,
        "added_one_by_one": delivered.added_one_by_one,
        "completed": delivered.completed,
        "job_seconds": round(job_seconds, 2),
        "chapter_seconds": round(found.seconds, 2),
        "recognition_seconds": round(draft.recognition_seconds, 2),
        "media_seconds": round(found.duration, 2),
    }

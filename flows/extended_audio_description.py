"""REACH extended audio description (serviceFeature EXTENDED_AUDIO_DESCRIPTION): video in; a WebVTT file
of descriptions out, which the Kaltura player speaks while it pauses the video.

The flow reads top to bottom like the job::

    begin (PROCESSING, deadline)                flows/lifecycle.py
    fetch video      the entry's best flavor that really has a video track (progressive, else HLS);
                     no video track, or undecodable media, ends the job in ERROR saying so
    look             shot cuts (ffmpeg scene score), one keyframe per shot, on-screen text
                     (tesseract, the source language's data), frontal faces (OpenCV)   reachflow/visual
    describe         plain sentences in the source language at each moment something visual
                     happens (a cut, new on-screen text, people appearing), on the original
                     timeline; longer than the pauses when need be (the player pauses the video)
                     (persisted with the signals as one result)
    [HUMAN jobs]     a work package with a keyframe per shot, its OCR text and the machine
                     suggestion; the person writes or corrects each description in the form (a
                     WebVTT file); it is checked (parses, not empty, inside the media, in order)
                     and re-asked with the reasons (tasks/review.py)
    deliver          the WebVTT file as an attachment (attachmentAsset.add: KalturaTranscriptAsset,
                     fileExt vtt, tag AAD, the source language; then setContent), found before it
                     is added                                                     tasks/delivery.py
    finish           READY with the attachment as outputObjectId

Why an attachment tagged AAD, and not a caption asset with usage 1: docs/extended-audio-description.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State
from pydantic import Field

from flows.lifecycle import KALTURA_RETRIES, ActiveJob, JobResult, checkpoint, run_service
from reachflow.markdown import md_block, md_inline
from reachflow.visual.describe import ShotSignals
from reachflow.visual.extended import (
    EAD_TAG,
    ExtendedDescription,
    check_extended_descriptions,
    extended_descriptions,
    parse_extended_vtt,
    render_extended_vtt,
)
from tasks.job import job_step_key, job_workdir, publish_job_report
from tasks.media import apply_content_deletion_policy, fetch_media
from tasks.review import CaptionSubmission

__all__ = [
    "MACHINE_ACCURACY",
    "SERVICE",
    "ExtendedDescriptionSubmission",
    "VisualDraft",
    "extended_audio_description_flow",
]

SERVICE = "extended-audio-description"  # artifact keys: extended-audio-description-report-<partner>-<task>
# What a machine description may claim: it sees cuts, large clear text and frontal faces, nothing
# else (no objects, places, actions or who anyone is), so at most half of what a person would say.
MACHINE_ACCURACY = 50


@flow(
    name="reach-extended-audio-description",
    flow_run_name="extended_audio_description-{partner_id}-{task_id}",
)
def extended_audio_description_flow(
    task_id: int, partner_id: int = 0, account_block: str | None = None
) -> dict[str, Any] | State:
    """Describe one REACH task's video for extended audio description and deliver the WebVTT file.

    Args:
        task_id: The entryVendorTask id.
        partner_id: The customer partner (used in the run name only; the task is read from Kaltura).
        account_block: KalturaVendorAccount block name (settings default).
    """
    return run_service(
        task_id, SERVICE, machine=machine_description_job, human=human_description_job, account_block=account_block
    )


def machine_description_job(active: ActiveJob) -> JobResult:
    """MACHINE: video → shots, text, faces → descriptions → the AAD attachment."""
    started = time.monotonic()
    draft = prepare_descriptions(active)
    checkpoint(active, "deliver")
    vtt = render_extended_vtt(draft.descriptions)
    attachment_id = deliver_descriptions(active, vtt, accuracy=MACHINE_ACCURACY, human=False)
    apply_content_deletion_policy(Path(draft.workdir), active.job.profile.content_deletion_policy)
    summary = _report(active, draft, draft.descriptions, attachment_id, MACHINE_ACCURACY, time.monotonic() - started)
    return JobResult(output_object_id=attachment_id, accuracy=MACHINE_ACCURACY, summary=summary)


# --------------------------------------------------------------------------------------------
# Look at the video and describe it


@dataclass
class VisualDraft:
    """What was seen and the machine's descriptions, persisted once per task."""

    entry_name: str
    media_file: str
    duration: float
    workdir: str
    signals: list[ShotSignals]
    descriptions: list[ExtendedDescription]
    contact_sheet: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


@task(
    name="describe-video",
    cache_key_fn=job_step_key("extended-description-draft"),
    persist_result=True,
    result_serializer="pickle",
)
def prepare_descriptions(active: ActiveJob) -> VisualDraft:
    """Fetch the video, find its shots, keyframes, on-screen text and faces, and describe them."""
    from reachflow.ffmpeg import probe
    from reachflow.visual.describe import analyse_shots
    from reachflow.visual.sheet import contact_sheet

    logger = get_run_logger()
    job = active.job
    language = job.source_language_code
    workdir = job_workdir(active)
    checkpoint(active, "fetch video")
    media = fetch_media(active, workdir, track="video")
    duration = probe(media).duration
    checkpoint(active, "look at the video")
    started = time.monotonic()
    # Keyframes sit in the job folder itself, so a published jobs folder serves them to reviewers.
    signals = analyse_shots(media, workdir, language=language)
    descriptions = extended_descriptions(signals, duration, language)
    sheet: str | None = None
    if signals:
        frames = [s.keyframe for s in signals if s.keyframe is not None]
        if len(frames) == len(signals):
            sheet = str(contact_sheet([s.shot for s in signals], frames, workdir / "contact-sheet.jpg"))
    seconds = time.monotonic() - started
    logger.info(
        "Task %s: %s shots, %s with on-screen text, %s with faces; %s descriptions (%.1f s)",
        active.task_id,
        len(signals),
        sum(1 for s in signals if s.text),
        sum(1 for s in signals if s.faces),
        len(descriptions),
        seconds,
    )
    entry = active.api().get_entry(job.task.entry_id)
    notes = [] if descriptions else ["Nothing a machine can describe was found (one shot, no text, no faces)."]
    return VisualDraft(
        entry_name=entry.name or entry.id,
        media_file=str(media),
        duration=duration,
        workdir=str(workdir),
        signals=list(signals),
        descriptions=descriptions,
        contact_sheet=sheet,
        seconds=seconds,
        notes=notes,
    )


# --------------------------------------------------------------------------------------------
# Deliver


@task(name="deliver-extended-description", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def deliver_descriptions(active: ActiveJob, vtt: str, *, accuracy: int, human: bool) -> str:
    """The WebVTT attachment tagged AAD, exactly once; returns its id (the task's outputObjectId)."""
    from tasks.delivery import deliver_extended_description

    return deliver_extended_description(active.api(), active.job, vtt=vtt, accuracy=accuracy, human=human)


# --------------------------------------------------------------------------------------------
# Human extended audio description


class ExtendedDescriptionSubmission(CaptionSubmission):
    """What a describer submits: the descriptions as a WebVTT file."""

    captions: str = Field(
        description="The descriptions: a WebVTT file, one cue per description, starting at the moment it "
        "describes (the player pauses the video while it is spoken, so a description may be longer than its cue).",
        json_schema_extra={"format": "textarea"},
    )


def human_description_job(active: ActiveJob) -> JobResult:
    """HUMAN: keyframes, OCR text and the machine's suggestions go to a person; their file is checked, then delivered."""
    from tasks.review import ask_a_person, asked_before, keep_answer, media_link, recall_answer

    started = time.monotonic()
    draft = prepare_descriptions(active)
    answer = recall_answer(active, SERVICE)
    if answer is None:
        if not asked_before():
            checkpoint(active, "human description")
        initial = render_extended_vtt(draft.descriptions) if draft.descriptions else _blank_template(draft)
        submission = ask_a_person(
            active,
            title=f"Describe “{md_inline(draft.entry_name)}” for extended audio description",
            work_package=work_package(active, draft),
            input_type=ExtendedDescriptionSubmission,
            initial={"captions": initial, "accuracy": 99, "note": ""},
            validate=lambda s: check_extended_descriptions(s.captions, draft.duration),
            brief=(
                f"Media: {media_link(draft.media_file)}. One WebVTT cue per description, in "
                f"{active.job.source_language_name}, at the moment it describes, inside 0–{draft.duration:.1f} s "
                "and in time order; the video pauses while each is spoken."
            ),
        )
        answer = keep_answer(active, SERVICE, submission.model_dump(include={"captions", "accuracy", "note"}))
    else:
        get_run_logger().info("Task %s: delivering the descriptions kept by an earlier run", active.task_id)
    checkpoint(active, "deliver")
    descriptions = parse_extended_vtt(str(answer["captions"]))
    accuracy = int(answer["accuracy"])
    attachment_id = deliver_descriptions(active, render_extended_vtt(descriptions), accuracy=accuracy, human=True)
    apply_content_deletion_policy(Path(draft.workdir), active.job.profile.content_deletion_policy)
    summary = _report(
        active,
        draft,
        descriptions,
        attachment_id,
        accuracy,
        time.monotonic() - started,
        note=str(answer.get("note") or ""),
    )
    return JobResult(output_object_id=attachment_id, accuracy=accuracy, summary=summary)


def _blank_template(draft: VisualDraft) -> str:
    """A starting file when the machine saw nothing: one cue at the start of each shot to fill in."""
    cues = [
        ExtendedDescription(s.shot.start, min(s.shot.end, s.shot.start + 2.0), f"Describe shot {s.shot.index + 1}.")
        for s in draft.signals
    ]
    return render_extended_vtt(cues) if cues else render_extended_vtt([ExtendedDescription(0.0, 1.0, "Describe.")])


def _picture(path: str | None, label: str) -> str:
    """A keyframe in the work package: the picture itself when the jobs folder is published, else where it is."""
    from reachflow.settings import get_settings
    from tasks.review import media_link

    if not path:
        return "—"
    base = get_settings().review_media_url
    file = Path(path)
    if base:
        return f"![{md_inline(label)}]({base.rstrip('/')}/{file.parent.name}/{file.name})"
    return media_link(path)


def work_package(active: ActiveJob, draft: VisualDraft) -> str:
    """Markdown with everything a describer needs: per shot its keyframe, OCR text, faces and suggestion."""
    from tasks.review import job_brief

    job = active.job
    brief = job_brief(active, entry_name=draft.entry_name, media_seconds=draft.duration, media_file=draft.media_file)
    suggestion = {d.shot_index: d.text for d in draft.descriptions}
    rows = []
    for s in draft.signals:
        number = s.shot.index + 1
        rows.append(
            f"| {number} | {s.shot.start:.2f}–{s.shot.end:.2f} | {_picture(str(s.keyframe) if s.keyframe else None, f'shot {number}')} "
            f"| {md_inline(' / '.join(s.text)) or '—'} | {s.faces} | {md_inline(suggestion.get(s.shot.index, '')) or '—'} |"
        )
    sheet = _picture(draft.contact_sheet, "all shots") if draft.contact_sheet else "(no keyframes)"
    return f"""{brief}
## Rules to follow

| setting | value |
|---|---|
| language | {job.source_language_name} |
| what to describe | what a viewer who cannot see needs: people, actions, places, on-screen text, changes of scene |
| when | a cue starts at the moment it describes, on the video's own timeline (0–{draft.duration:.1f} s) |
| length | a cue may be longer to say than it lasts: the player pauses the video while it speaks |
| format | WebVTT (or SRT), one cue per description, in time order, no overlaps, none empty |
| delivered as | a WebVTT attachment tagged `{EAD_TAG}` on the entry |

## How to submit

- **Prefect UI:** open this flow run, press **Resume**, write or correct the descriptions in the form, set the
  accuracy you vouch for, add a note if needed, and submit.
- **CLI:** `reachflow review submit <flow-run-name-or-id> --file descriptions.vtt --accuracy 99`

The file is checked before delivery (it parses, has descriptions, each has words, inside the media, in
order); if something is wrong the run waits again and this page says what.

## Every shot: keyframe, what the machine read and its suggestion

All keyframes on one picture: {sheet}

| shot | time (s) | keyframe | on-screen text (OCR) | faces | machine suggestion |
|---|---|---|---|---|---|
{chr(10).join(rows) or "| — | — | — | — | — | — |"}

## The file to edit (WebVTT)

{md_block(render_extended_vtt(draft.descriptions) if draft.descriptions else _blank_template(draft))}
"""


# --------------------------------------------------------------------------------------------
# The job report


def _report(
    active: ActiveJob,
    draft: VisualDraft,
    descriptions: list[ExtendedDescription],
    attachment_id: str,
    accuracy: int,
    job_seconds: float,
    note: str = "",
) -> dict[str, Any]:
    job = active.job
    rows = "\n".join(f"| {d.start:.2f} | {d.end:.2f} | {md_inline(d.text)} |" for d in descriptions) or "| — | — | — |"
    notes = "\n".join(f"- {md_inline(n)}" for n in [*draft.notes, *active.notes]) or "- none"
    ratio = job_seconds / draft.duration if draft.duration else 0.0
    markdown = f"""# Extended audio description job {job.task.id} — partner {job.task.partner_id}

| | |
|---|---|
| entry | `{job.task.entry_id}` ({draft.duration:.1f} s) |
| service | {job.service_type_label} extended audio description, {job.source_language_name} |
| shots | {len(draft.signals)} ({sum(1 for s in draft.signals if s.text)} with on-screen text, {sum(1 for s in draft.signals if s.faces)} with faces) |
| descriptions | {len(descriptions)} |
| attachment (outputObjectId) | `{attachment_id}` (WebVTT, tag {EAD_TAG}) |
| accuracy | {accuracy} % |
| looking at the video | {draft.seconds:.1f} s |
| processing time | {job_seconds:.1f} s ({ratio:.2f} × the media's duration) |
| deadline | {active.deadline.due.isoformat()} |
| describer's note | {md_inline(note) or "—"} |

## Descriptions

| start (s) | end (s) | text |
|---|---|---|
{rows}

## Notes

{notes}
"""
    publish_job_report(SERVICE, job, markdown)
    return {
        "attachment_id": attachment_id,
        "shots": len(draft.signals),
        "descriptions": len(descriptions),
        "media_seconds": round(draft.duration, 2),
        "visual_seconds": round(draft.seconds, 2),
        "job_seconds": round(job_seconds, 2),
    }

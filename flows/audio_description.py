"""REACH audio description (serviceFeature AUDIO_DESCRIPTION): the picture described aloud in the speech pauses.

The flow reads top to bottom like the job::

    begin (PROCESSING, deadline)                flows/lifecycle.py
    voice            a voice for the source language (reachflow.voices); none ends in ERROR naming it
    look and listen  the flavor with picture and sound (no picture: ERROR, description describes the
                     picture), its audio (no audio or silence: ERROR), the speech pauses of at least
                     ~2 s (none: ERROR, there is nowhere to speak), the shots with their keyframe,
                     on-screen text (tesseract) and face count (OpenCV)         tasks/description.py
    describe         MACHINE: "On screen: …", "A new scene: …" per shot, in the first pause that overlaps
                     the shot, shortened at a word boundary to fit at a natural pace (2.5 words/s)
                     (reachflow.visual); nothing to say anywhere ends in ERROR with the reason.
                     HUMAN: a person gets every pause with its length, a keyframe per shot (contact
                     sheet and image artifacts), the OCR text and the machine's suggestion, and writes
                     the script; each line is checked to fit its pause and re-asked with the reasons
    speak and mix    each description synthesised in the source language, fitted into its pause
                     (sped up to 1.3x at most) and mixed over the original, which is ducked under the
                     voice wherever a description sounds; -23 LUFS, MP4 AAC-LC (reachflow.audio)
    deliver          the described track ("<Language> - Audio description") and the original as clear
                     audio, two flavors, each found before it is added (tasks/audio_tracks.py)
    finish           READY, outputObjectId = the described track's flavor

Every finished step is a persisted result under the task's cache scope, and delivery finds what the
task already made, so retries, restarts and resumed runs do nothing twice.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.input import RunInput
from prefect.states import State
from pydantic import Field

from flows.lifecycle import ActiveJob, JobResult, checkpoint, run_service
from reachflow.audio.pauses import Pause
from reachflow.audio.tracks import ScriptLine
from reachflow.errors import MediaError, UnsupportedJob
from reachflow.markdown import md_inline
from reachflow.visual import Description, ShotSignals, describe_shots
from reachflow.visual.script import check_script, clock, machine_script, parse_script, render_script, script_lines
from reachflow.voices.registry import require_voice
from tasks.audio_tracks import DeliveredTracks, deliver_audio_tracks
from tasks.description import fetch_picture_media, find_speech_pauses, publish_keyframes, published_url, see_shots
from tasks.job import job_step_key, job_workdir, publish_job_report
from tasks.media import apply_content_deletion_policy, decode_audio

__all__ = ["MACHINE_ACCURACY_CAP", "DescriptionSubmission", "DescriptionWork", "audio_description_flow"]

# Machine description sees on-screen text and faces only (reachflow/visual/signals.py), so it never
# claims more than this, however many shots it could describe.
MACHINE_ACCURACY_CAP = 60
LABEL_SUFFIX = " - Audio description"
NO_PAUSE = "no pause of at least 2 s between speech to place a description in; extended audio description pauses the video instead"


@flow(name="reach-audio-description", flow_run_name="audio_description-{partner_id}-{task_id}")
def audio_description_flow(
    task_id: int, partner_id: int = 0, account_block: str | None = None
) -> dict[str, Any] | State:
    """Describe one REACH task's entry aloud in its speech pauses and deliver the described track.

    Args:
        task_id: The entryVendorTask id.
        partner_id: The customer partner (used in the run name only; the task is read from Kaltura).
        account_block: KalturaVendorAccount block name (settings default).
    """
    return run_service(
        task_id,
        "audio-description",
        machine=machine_description_job,
        human=human_description_job,
        account_block=account_block,
    )


def machine_description_job(active: ActiveJob) -> JobResult:
    """MACHINE description: voice → picture and pauses → descriptions → described track → two flavors."""
    started = time.monotonic()
    checkpoint(active, "voice")
    require_voice(active.job.source_language_code, active.job.source_language_name)
    checkpoint(active, "look and listen")
    work = look_and_listen(active)
    checkpoint(active, "describe")
    lines = [ScriptLine(d.start, d.pause_end, d.text) for d in work.descriptions]
    if not lines:
        raise UnsupportedJob(nothing_to_say(work))
    return speak_and_deliver(active, work, lines, accuracy=machine_accuracy(work), started=started, author="machine")


def machine_accuracy(work: DescriptionWork) -> int:
    """The share of shots a description speaks about, capped at :data:`MACHINE_ACCURACY_CAP`."""
    described = {d.shot_index for d in work.descriptions}
    return min(MACHINE_ACCURACY_CAP, round(100 * len(described) / max(1, len(work.signals))))


def nothing_to_say(work: DescriptionWork) -> str:
    """Why a machine description has nothing to speak (the errDescription)."""
    seen = sum(1 for s in work.signals if s.text or s.faces)
    if not seen:
        return (
            f"machine description saw nothing it can describe: no on-screen text or faces in any of the "
            f"{len(work.signals)} shots"
        )
    return (
        f"no description fits a speech pause: on-screen text or faces in {seen} of {len(work.signals)} shots, "
        f"but no pause of at least 2 s during them holds a description at a natural pace"
    )


# --------------------------------------------------------------------------------------------
# Look and listen


@dataclass
class DescriptionWork:
    """What the job sees and hears, persisted once so a resumed or restarted run never redoes it."""

    media: str  # the fetched flavor (picture and sound): the original of the mix and the clear audio
    media_seconds: float
    workdir: str
    entry_name: str
    pauses: list[Pause]
    signals: list[ShotSignals]
    descriptions: list[Description]  # the machine's, placed in the pauses
    contact_sheet: str | None = None


@task(
    name="look-and-listen",
    cache_key_fn=job_step_key("description-work"),
    persist_result=True,
    result_serializer="pickle",
)
def prepare_description(active: ActiveJob, *, with_sheet: bool = False) -> DescriptionWork:
    """Fetch the picture and sound, find the speech pauses and what each shot shows, and place the
    machine's descriptions.

    Raises:
        MediaError: no picture, no audio, silent, undecodable, or no pause of at least 2 s.
    """
    workdir = job_workdir(active)
    media = fetch_picture_media(active, workdir)
    audio = decode_audio(media, workdir)
    pauses = find_speech_pauses(active, audio.wav)
    if not pauses:
        raise MediaError(NO_PAUSE)
    signals = see_shots(active, media, workdir)
    language = active.job.source_language_code
    descriptions = describe_shots(signals, pauses, language, announce_scenes=True)
    get_run_logger().info("%s machine descriptions fit %s pauses", len(descriptions), len(pauses))
    sheet = publish_keyframes(active, signals, workdir) if with_sheet and signals else None
    entry = active.api().get_entry(active.job.task.entry_id)
    return DescriptionWork(
        media=str(media),
        media_seconds=audio.duration,
        workdir=str(workdir),
        entry_name=entry.name or entry.id,
        pauses=pauses,
        signals=signals,
        descriptions=descriptions,
        contact_sheet=str(sheet) if sheet else None,
    )


def look_and_listen(active: ActiveJob, *, with_sheet: bool = False) -> DescriptionWork:
    """:func:`prepare_description` once; again only when its media file is gone (deleted, another worker)."""
    work = prepare_description(active, with_sheet=with_sheet)
    if not Path(work.media).is_file():
        work = prepare_description.with_options(refresh_cache=True)(active, with_sheet=with_sheet)
    return work


# --------------------------------------------------------------------------------------------
# Speak, mix, deliver


@dataclass(frozen=True)
class SpokenDescription:
    """One description as it sounds in the track, beside the pause it belongs in."""

    text: str
    start: float
    end: float
    tempo: float
    slot_start: float
    slot_end: float

    @property
    def outside_slot(self) -> float:
        """Seconds spoken outside its pause (over the original's speech): 0 when it fits."""
        return max(0.0, self.end - self.slot_end) + max(0.0, self.slot_start - self.start)


@dataclass(frozen=True)
class DescribedTrack:
    """The described track (MP4, AAC-LC, -23 LUFS) and where each description sounds."""

    path: str
    duration: float
    voice: str
    spoken: list[SpokenDescription]
    findings: list[str]
    loudness_lufs: float
    seconds: float


def _lines_digest(parameters: dict[str, Any]) -> str:
    lines: list[ScriptLine] = parameters["lines"]
    return hashlib.sha256(repr([(line.start, line.end, line.text) for line in lines]).encode()).hexdigest()[:16]


@task(
    name="speak-and-mix",
    cache_key_fn=job_step_key("described-track", content=_lines_digest),
    persist_result=True,
    result_serializer="pickle",
)
def make_described_track(active: ActiveJob, work: DescriptionWork, lines: list[ScriptLine]) -> DescribedTrack:
    """Synthesise every description in the source language, fit it into its pause and mix it over
    the original (ducked under the voice)."""
    from reachflow.audio.tracks import make_track, synthesize_script

    logger = get_run_logger()
    started = time.monotonic()
    voice = require_voice(active.job.source_language_code, active.job.source_language_name)
    utterances = synthesize_script(
        lines, voice, on_progress=lambda done, total: logger.info("Spoke %s of %s descriptions", done, total)
    )
    out = Path(work.workdir) / "described.mp4"
    track = make_track(work.media, utterances, out, duration=work.media_seconds)
    spoken = [
        SpokenDescription(u.text, round(u.start, 3), round(u.end, 3), round(u.tempo, 3), u.slot_start, u.slot_end)
        for u in track.placement.utterances
    ]
    seconds = time.monotonic() - started
    logger.info("Described track: %s descriptions with %s in %.1f s", len(spoken), voice.name, seconds)
    return DescribedTrack(
        path=str(track.mix.path),
        duration=track.mix.duration,
        voice=voice.name,
        spoken=spoken,
        findings=[f.message for f in track.findings],
        loudness_lufs=round(track.mix.loudness.integrated, 1),
        seconds=round(seconds, 2),
    )


def speak_and_deliver(
    active: ActiveJob,
    work: DescriptionWork,
    lines: list[ScriptLine],
    *,
    accuracy: int,
    started: float,
    author: str,
    note: str = "",
) -> JobResult:
    """The described track, made once (again only when its file is gone), delivered with the clear audio."""
    job = active.job
    checkpoint(active, "speak and mix")
    track = make_described_track(active, work, lines)
    if not Path(track.path).is_file():  # a restart on another worker, or the files were deleted
        track = make_described_track.with_options(refresh_cache=True)(active, work, lines)
    checkpoint(active, "deliver")
    delivered = deliver_audio_tracks(
        active,
        Path(track.path),
        Path(work.media),
        language=job.source_language_name,
        label=f"{job.source_language_name}{LABEL_SUFFIX}",
    )
    summary = _report(active, work, track, delivered, accuracy, time.monotonic() - started, author, note)
    apply_content_deletion_policy(Path(work.workdir), job.profile.content_deletion_policy)
    return JobResult(output_object_id=delivered.produced_flavor_id, accuracy=accuracy, summary=summary)


# --------------------------------------------------------------------------------------------
# Human audio description


class DescriptionSubmission(RunInput):
    """What a describer submits: the script, one line per pause."""

    descriptions: str = Field(
        description="The descriptions, one line per pause: '<pause number>: <what to say>'. Leave a pause "
        "empty to say nothing there; lines starting with # are notes.",
        json_schema_extra={"format": "textarea"},
    )
    accuracy: int = Field(default=99, ge=0, le=100, description="The accuracy you vouch for, in percent.")
    note: str = Field(default="", description="Anything the operations team should know (optional).")


def human_description_job(active: ActiveJob) -> JobResult:
    """HUMAN description: every pause, keyframe, OCR text and suggestion go to a person; their script
    is checked to fit the pauses, then spoken, mixed and delivered."""
    from tasks.review import ask_a_person, asked_before, keep_answer, media_link, recall_answer

    started = time.monotonic()
    require_voice(active.job.source_language_code, active.job.source_language_name)
    work = look_and_listen(active, with_sheet=True)
    answer = recall_answer(active, "audio-description")
    if answer is None:
        if not asked_before():
            checkpoint(active, "human audio description")
        draft = render_script(work.pauses, machine_script(work.pauses, work.descriptions))
        submission = ask_a_person(
            active,
            title=f"Describe “{md_inline(work.entry_name)}” in {active.job.source_language_name}",
            work_package=work_package(active, work, draft),
            input_type=DescriptionSubmission,
            initial={"descriptions": draft, "accuracy": 99, "note": ""},
            validate=lambda s: check_script(work.pauses, s.descriptions),
            brief=(
                f"Media: {media_link(work.media)}. One line per pause ('3: On screen: …'); each description "
                f"must fit its pause at a natural pace (about 2.5 words a second): the work package gives "
                f"each pause's length and word budget."
            ),
        )
        answer = keep_answer(
            active, "audio-description", submission.model_dump(include={"descriptions", "accuracy", "note"})
        )
    else:
        get_run_logger().info("Task %s: delivering the descriptions kept by an earlier run", active.task_id)
    texts, _problems = parse_script(str(answer["descriptions"]))
    lines = script_lines(work.pauses, texts)
    return speak_and_deliver(
        active,
        work,
        lines,
        accuracy=int(answer["accuracy"]),
        started=started,
        author="a person",
        note=str(answer.get("note") or ""),
    )


def _picture(path: str | None, alt: str) -> str:
    if not path:
        return "—"
    url = published_url(Path(path))
    return f"![{alt}]({url})" if url else f"`{Path(path).name}` (in the job's folder)"


def work_package(active: ActiveJob, work: DescriptionWork, draft: str) -> str:
    """Markdown with everything a describer needs: the pauses, a keyframe per shot, the OCR text and the
    machine's suggestions, the rules and the script to edit."""
    from reachflow.markdown import md_block
    from reachflow.visual.script import max_words
    from tasks.review import job_brief

    brief = job_brief(active, entry_name=work.entry_name, media_seconds=work.media_seconds, media_file=work.media)
    suggestions = machine_script(work.pauses, work.descriptions)
    pause_rows = "\n".join(
        f"| {n} | {clock(p.start)}–{clock(p.end)} | {p.duration:.1f} s | {max_words(p)} | "
        f"{md_inline(suggestions.get(n, '')) or '—'} |"
        for n, p in enumerate(work.pauses, start=1)
    )
    shot_rows = "\n".join(
        f"| {s.shot.index + 1} | {clock(s.shot.start)}–{clock(s.shot.end)} | "
        f"{md_inline(' / '.join(s.text)) or '—'} | {s.faces} | {_picture(str(s.keyframe) if s.keyframe else None, f'shot {s.shot.index + 1}')} |"
        for s in work.signals
    )
    return f"""{brief}
## What to do

Describe what a listener who cannot see the picture needs, **only in the pauses** between speech,
in {active.job.source_language_name}. Write one line per pause (`3: On screen: Library open until midnight.`);
a pause left empty stays quiet. Each description must fit its pause at a natural pace (about 2.5
words a second, 0.3 s of quiet kept at each end): the table gives each pause's word budget. The
script is checked before it is spoken; if a line is too long the run waits again and this page says
which.

- **Prefect UI:** open this flow run, press **Resume**, edit the script in the form, set the accuracy you
  vouch for, and submit.
- **CLI:** `reachflow review submit <flow-run-name-or-id> --file script.txt --accuracy 99`

## Contact sheet (every shot's keyframe)

{_picture(work.contact_sheet, "contact sheet")}

## Pauses

| pause | time | length | up to words | machine suggestion |
|---|---|---|---|---|
{pause_rows}

## Shots (what the machine could see)

The machine reads large on-screen text and counts frontal faces; it cannot say who someone is,
what they do, or what places and objects are shown: look at the keyframes and the media.

| shot | time | on-screen text (OCR) | faces | keyframe |
|---|---|---|---|---|
{shot_rows}

## The script to edit

{md_block(draft)}
"""


# --------------------------------------------------------------------------------------------
# The job report


def _report(
    active: ActiveJob,
    work: DescriptionWork,
    track: DescribedTrack,
    delivered: DeliveredTracks,
    accuracy: int,
    job_seconds: float,
    author: str,
    note: str,
) -> dict[str, Any]:
    job = active.job
    rows = "\n".join(
        f"| {i} | {clock(s.slot_start)}–{clock(s.slot_end)} | {clock(s.start)}–{clock(s.end)} | {s.tempo:.2f}x | "
        f"{s.outside_slot:.2f} s | {md_inline(s.text)} |"
        for i, s in enumerate(track.spoken, start=1)
    )
    findings = "\n".join(f"- {md_inline(f)}" for f in track.findings) or "- every description fit its pause"
    notes = "\n".join(f"- {md_inline(n)}" for n in active.notes) or "- none"
    rtf = job_seconds / work.media_seconds if work.media_seconds else 0.0
    markdown = f"""# Audio description job {job.task.id} — partner {job.task.partner_id}

| | |
|---|---|
| entry | `{job.task.entry_id}` ({work.media_seconds:.1f} s) |
| service | {job.service_type_label} audio description in {job.source_language_name}, written by {author} |
| shots | {len(work.signals)} ({sum(1 for s in work.signals if s.text)} with on-screen text, {sum(1 for s in work.signals if s.faces)} with faces) |
| speech pauses (≥ 2 s) | {len(work.pauses)} ({sum(p.duration for p in work.pauses):.1f} s) |
| descriptions spoken | {len(track.spoken)} |
| voice | {md_inline(track.voice)} |
| described track | `{delivered.produced_flavor_id}` ({job.source_language_name}{LABEL_SUFFIX}, {track.loudness_lufs} LUFS) |
| clear audio | `{delivered.clear_audio_flavor_id}` |
| accuracy | {accuracy} % |
| processing time | {job_seconds:.1f} s ({rtf:.2f}x the media's duration; speaking and mixing {track.seconds:.1f} s) |
| deadline | {active.deadline.due.isoformat()} |
| describer's note | {md_inline(note) or "—"} |

## Descriptions

| # | pause | spoken | tempo | outside its pause | text |
|---|---|---|---|---|---|
{rows}

## Fit

{findings}

## Notes

{notes}
"""
    publish_job_report("audio-description", job, markdown)
    return {
        "produced_flavor_id": delivered.produced_flavor_id,
        "clear_audio_flavor_id": delivered.clear_audio_flavor_id,
        "descriptions": [
            {"text": s.text, "start": s.start, "end": s.end, "slot_start": s.slot_start, "slot_end": s.slot_end}
            for s in track.spoken
        ],
        "pauses": len(work.pauses),
        "shots": len(work.signals),
        "findings": list(track.findings),
        "job_seconds": round(job_seconds, 2),
        "media_seconds": round(work.media_seconds, 2),
    }

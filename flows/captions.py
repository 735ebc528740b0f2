"""REACH captions (serviceFeature CAPTIONS): media in; captions, transcripts and tags out.

The flow reads top to bottom like the job::

    begin (PROCESSING, deadline)            flows/lifecycle.py
    fetch media      playback context, flavor choice, progressive or HLS download   tasks/media.py
    decode audio     16 kHz mono WAV; undecodable or silent media ends the job       tasks/media.py
    recognize        language check, recognition with the REACH dictionary (persisted) tasks/asr.py
    make captions    speakers, audio tags, profanity, cues, SRT / WebVTT / DFXP, transcripts
    [HUMAN jobs]     the steps above are the machine draft (persisted as one result); a work
                     package is published and the run suspends until a person submits corrected
                     captions (tasks/review.py); they are validated, and invalid ones re-suspend
    deliver          transcripts, caption asset, entry tags: each found before it is added
    finish           READY with the caption asset as outputObjectId and the estimated accuracy
                     (HUMAN: the accuracy the person vouches for)

Recognition results are persisted under a stable cache key per task, so a retried, restarted or
resumed run does not recognise the same media twice; delivery looks for what this task already
made (tag ``reachflow-task-<id>``) before adding anything, so nothing is uploaded twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State

from flows.lifecycle import KALTURA_RETRIES, ActiveJob, JobResult, checkpoint, run_service
from reachflow.captions.formats import CaptionFormat, render, render_dfxp, render_txt
from reachflow.captions.keywords import extract_keywords
from reachflow.captions.model import CaptionStyle, Cue, NonSpeech, Word
from reachflow.captions.quality import style_findings
from reachflow.captions.segment import build_cues
from reachflow.markdown import md_block, md_inline
from tasks.asr import Recognized, recognize
from tasks.job import caption_style, job_step_key, job_workdir, publish_job_report
from tasks.media import AudioTrack, apply_content_deletion_policy, decode_audio, fetch_media

# AudioTrack and Recognized lived here once: results persisted before they moved (pickled under
# ``flows.captions``) must still load, so both stay importable from this module.
__all__ = ["AudioTrack", "CaptionProduct", "Draft", "Recognized", "captions_flow"]


@flow(name="reach-captions", flow_run_name="captions-{partner_id}-{task_id}")
def captions_flow(task_id: int, partner_id: int = 0, account_block: str | None = None) -> dict[str, Any] | State:
    """Caption one REACH task end to end and deliver it to the customer's Kaltura entry.

    Args:
        task_id: The entryVendorTask id.
        partner_id: The customer partner (used in the run name only; the task is read from Kaltura).
        account_block: KalturaVendorAccount block name (settings default).
    """
    return run_service(
        task_id, "captions", machine=machine_caption_job, human=human_caption_job, account_block=account_block
    )


def machine_caption_job(active: ActiveJob) -> JobResult:
    """MACHINE captions: media → recognition → captions → delivery."""
    started = time.monotonic()
    workdir = job_workdir(active)
    machine = machine_captions(active, workdir)
    checkpoint(active, "deliver")
    delivery = deliver_captions(active, machine.product)
    apply_content_deletion_policy(workdir, active.job.profile.content_deletion_policy)
    summary = _report(
        active,
        machine.audio,
        machine.product,
        delivery,
        machine.recognized.seconds,
        time.monotonic() - started,
        recognized=machine.recognized,
    )
    return JobResult(output_object_id=delivery["caption_asset_id"], accuracy=machine.product.accuracy, summary=summary)


@dataclass(frozen=True)
class MachineCaptions:
    media: Path
    audio: AudioTrack
    recognized: Recognized
    product: CaptionProduct


def machine_captions(active: ActiveJob, workdir: Path) -> MachineCaptions:
    """Fetch, decode, recognise and caption the media (a deadline checkpoint before each step)."""
    checkpoint(active, "fetch media")
    media = fetch_media(active, workdir)
    checkpoint(active, "decode audio")
    audio = decode_audio(media, workdir)
    checkpoint(active, "recognize")
    recognized = recognize(active, audio)
    checkpoint(active, "make captions")
    return MachineCaptions(media, audio, recognized, make_captions(active, recognized, audio))


# --------------------------------------------------------------------------------------------
# Captions


@dataclass
class CaptionProduct:
    """Everything delivery needs: the rendered caption file, transcripts, tags and figures."""

    format: CaptionFormat
    caption_text: str
    txt_transcript: str
    dfxp_transcript: str
    cues: list[Cue]
    accuracy: int
    language_name: str
    keywords: list[str]
    findings: dict[str, Any]
    human: bool = False
    reviewer_note: str = ""


@task(name="make-captions", cache_policy=NO_CACHE)
def make_captions(active: ActiveJob, recognized: Recognized, audio: AudioTrack) -> CaptionProduct:
    """Speakers and audio tags when the profile asks, then cues, files and keywords."""
    from reachflow.asr.nonspeech import detect_non_speech
    from reachflow.speakers import assign_speakers, detect_speaker_changes

    job = active.job
    style = caption_style(active)
    words = recognized.words
    if style.speaker_ids or style.speaker_change:
        changes = detect_speaker_changes(audio.wav)
        speakers = assign_speakers(words, changes, audio.wav)
        words = [Word(w.start, w.end, w.text, w.probability, speaker=s) for w, s in zip(words, speakers, strict=True)]
    non_speech: list[NonSpeech] = []
    if style.audio_tags:
        non_speech = [NonSpeech(r.start, r.end, r.label) for r in detect_non_speech(audio.wav, words)]
    cues = build_cues(words, style, non_speech=non_speech)
    fmt = CaptionFormat(int(job.output_format))
    language_code = recognized.language
    findings = style_findings(cues, style, media_duration=audio.duration)
    transcript_text = " ".join(w.text for w in words)
    keywords = (
        extract_keywords(transcript_text, language=language_code) if job.profile.enable_metadata_extraction else []
    )
    return CaptionProduct(
        format=fmt,
        caption_text=render(cues, fmt, language=language_code),
        txt_transcript=render_txt(cues),
        dfxp_transcript=render_dfxp(cues, language=language_code),
        cues=cues,
        accuracy=recognized.accuracy,
        language_name=job.caption_language,
        keywords=keywords,
        findings=findings if isinstance(findings, dict) else findings.as_dict(),
    )


@task(name="deliver-captions", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def deliver_captions(active: ActiveJob, product: CaptionProduct) -> dict[str, Any]:
    """Transcripts, then the caption asset that links them, then entry tags — each only once."""
    from tasks.delivery import deliver_caption_package

    return deliver_caption_package(
        active.api(),
        job=active.job,
        caption_text=product.caption_text,
        caption_format=product.format,
        txt_transcript=product.txt_transcript,
        dfxp_transcript=product.dfxp_transcript,
        accuracy=product.accuracy,
        human=product.human,
        keywords=product.keywords,
    )


# --------------------------------------------------------------------------------------------
# Human captions: the machine draft, a person's corrections, delivery


@dataclass
class Draft:
    """The machine draft of a human job, persisted once so a resumed run never redoes it."""

    product: CaptionProduct
    media_seconds: float
    recognition_seconds: float
    media_file: str
    entry_name: str
    editable_format: CaptionFormat
    editable_text: str
    workdir: str
    language: str


@task(name="machine-draft", cache_key_fn=job_step_key("draft"), persist_result=True, result_serializer="pickle")
def prepare_draft(active: ActiveJob) -> Draft:
    """Fetch, decode, recognise and caption the media: the draft a person corrects."""
    workdir = job_workdir(active)
    machine = machine_captions(active, workdir)
    media, audio, recognized, product = machine.media, machine.audio, machine.recognized, machine.product
    # People edit SRT or WebVTT; a DFXP order is rendered from their cues at delivery.
    editable = CaptionFormat.VTT if product.format == CaptionFormat.VTT else CaptionFormat.SRT
    entry = active.api().get_entry(active.job.task.entry_id)
    return Draft(
        product=product,
        media_seconds=audio.duration,
        recognition_seconds=recognized.seconds,
        media_file=str(media),
        entry_name=entry.name or entry.id,
        editable_format=editable,
        editable_text=render(product.cues, editable, language=recognized.language),
        workdir=str(workdir),
        language=recognized.language,
    )


def human_caption_job(active: ActiveJob) -> JobResult:
    """HUMAN captions: the machine draft, a person corrects it, the correction is delivered."""
    from tasks.review import CaptionSubmission, ask_a_person, asked_before, keep_answer, media_link, recall_answer

    started = time.monotonic()
    draft = prepare_draft(active)
    style = caption_style(active)
    answer = recall_answer(active, "captions")
    if answer is None:
        if not asked_before():  # a replay after a resume: reconcile watched the deadline meanwhile
            checkpoint(active, "human review")
        submission = ask_a_person(
            active,
            title=f"Correct the captions of “{md_inline(draft.entry_name)}”",
            work_package=work_package(active, draft),
            input_type=CaptionSubmission,
            initial={"captions": draft.editable_text, "accuracy": 99, "note": ""},
            validate=lambda s: check_submission(s.captions, style, draft.media_seconds),
            brief=(
                f"Media: {media_link(draft.media_file)}. At most 2 lines of "
                f"{style.max_chars_per_line} characters per caption; SRT or WebVTT."
            ),
        )
        answer = keep_answer(active, "captions", submission.model_dump(include={"captions", "accuracy", "note"}))
    else:
        get_run_logger().info("Task %s: delivering the person's answer kept by an earlier run", active.task_id)
    checkpoint(active, "deliver")
    product = human_product(active, draft, answer)
    delivery = deliver_captions(active, product)
    apply_content_deletion_policy(Path(draft.workdir), active.job.profile.content_deletion_policy)
    audio = AudioTrack(wav=Path(draft.media_file), duration=draft.media_seconds, source=Path(draft.media_file).name)
    summary = _report(active, audio, product, delivery, draft.recognition_seconds, time.monotonic() - started)
    return JobResult(output_object_id=delivery["caption_asset_id"], accuracy=product.accuracy, summary=summary)


def check_submission(text: str, style: CaptionStyle, media_seconds: float) -> list[str]:
    """Why submitted captions cannot be delivered (empty list: they can)."""
    from reachflow.captions.formats import CaptionParseError, parse_captions
    from reachflow.captions.quality import validate_submission

    try:
        _fmt, cues = parse_captions(text or "")
    except CaptionParseError as exc:
        return [f"the captions could not be read: {exc}"]
    return validate_submission(cues, style, media_seconds)


def human_product(active: ActiveJob, draft: Draft, answer: dict[str, Any]) -> CaptionProduct:
    """The delivery package made from a person's accepted captions, in the ordered format."""
    from reachflow.captions.formats import parse_captions
    from reachflow.captions.profanity import mask_profanity

    job = active.job
    _fmt, cues = parse_captions(answer["captions"])
    style = caption_style(active)
    if style.profanity:
        cues = [Cue(c.start, c.end, tuple(mask_profanity(line) for line in c.lines), c.speaker, c.kind) for c in cues]
    language = draft.language
    text = " ".join(c.text for c in cues if c.kind == "speech")
    keywords = extract_keywords(text, language=language) if job.profile.enable_metadata_extraction else []
    findings = style_findings(cues, style, media_duration=draft.media_seconds)
    return CaptionProduct(
        format=draft.product.format,
        caption_text=render(cues, draft.product.format, language=language),
        txt_transcript=render_txt(cues),
        dfxp_transcript=render_dfxp(cues, language=language),
        cues=cues,
        accuracy=int(answer["accuracy"]),
        language_name=draft.product.language_name,
        keywords=keywords,
        findings=findings if isinstance(findings, dict) else findings.as_dict(),
        human=True,
        reviewer_note=str(answer.get("note") or ""),
    )


def work_package(active: ActiveJob, draft: Draft) -> str:
    """Markdown with everything a captioner needs, published as the run's work-package artifact."""
    from tasks.review import job_brief

    job = active.job
    profile = job.profile
    yes_no = {True: "yes", False: "no"}
    brief = job_brief(
        active, entry_name=draft.entry_name, media_seconds=draft.media_seconds, media_file=draft.media_file
    )
    return f"""{brief}
## Rules to follow

| setting | value |
|---|---|
| language | {job.caption_language} |
| delivered format | {draft.product.format.name} (submit SRT or WebVTT; the draft is {draft.editable_format.name}) |
| max characters per line | {caption_style(active).max_chars_per_line} |
| lines per caption | at most 2 |
| speaker id (`[Speaker N]`) | {yes_no[bool(job.catalog_item.enable_speaker_id)]} |
| speaker change (`>>`) | {yes_no[bool(profile.enable_speaker_change_indication)]} |
| audio tags (`[MUSIC]`) | {yes_no[bool(profile.enable_audio_tags)]} |
| profanity removal | {yes_no[bool(profile.enable_profanity_removal)]} |

## How to submit

- **Prefect UI:** open this flow run, press **Resume**, paste the corrected captions, set the accuracy
  you vouch for, add a note if needed, and submit.
- **CLI:** `reachflow review submit <flow-run-name-or-id> --file corrected.{draft.editable_format.file_ext} --accuracy 99`

Captions are checked before delivery (they parse, are not empty, stay inside the media, respect the
line length); if something is wrong the run waits again and this page says what.

## Machine draft ({draft.editable_format.name}, estimated accuracy {draft.product.accuracy} %)

{md_block(draft.editable_text.strip())}
"""


# --------------------------------------------------------------------------------------------
# The job report


def _report(
    active: ActiveJob,
    audio: AudioTrack,
    product: CaptionProduct,
    delivery: dict[str, Any],
    recognition_seconds: float,
    job_seconds: float,
    recognized: Recognized | None = None,
) -> dict[str, Any]:
    job = active.job
    how = "".join(
        f"| {label} | {md_inline(value)} |\n" for label, value in (recognized.report_rows() if recognized else [])
    )
    rtf = recognition_seconds / max(audio.duration, 0.001)
    findings = product.findings
    rows = "\n".join(f"| {md_inline(str(k))} | {md_inline(str(v))} |" for k, v in findings.items())
    notes = "\n".join(f"- {md_inline(n)}" for n in active.notes) or "- none"
    markdown = f"""# Captions job {job.task.id} — partner {job.task.partner_id}

| | |
|---|---|
| entry | `{job.task.entry_id}` |
| service | {job.service_type_label} captions, {product.language_name} |
| format | {product.format.name} |
| media length | {audio.duration:.1f} s |
| processing time | {job_seconds:.1f} s (recognition {recognition_seconds:.1f} s) |
| real-time factor (recognition) | {rtf:.3f} |
| accuracy (estimated) | {product.accuracy} % |
| caption asset | `{delivery["caption_asset_id"]}` |
| transcripts | {", ".join(f"`{t}`" for t in delivery.get("transcript_ids", []))} |
| keywords added to tags | {md_inline(", ".join(product.keywords)) or "—"} |
| deadline | {active.deadline.due.isoformat()} |
| checked by a person | {_reviewed(product)} |
{how}
## Caption statistics and style findings

| finding | value |
|---|---|
{rows}

## Notes

{notes}
"""
    publish_job_report("captions", job, markdown)
    return {
        "media_seconds": round(audio.duration, 2),
        "job_seconds": round(job_seconds, 2),
        "recognition_seconds": round(recognition_seconds, 2),
        "rtf": round(rtf, 4),
        "caption_asset_id": delivery["caption_asset_id"],
    }


def _reviewed(product: CaptionProduct) -> str:
    if not product.human:
        return "no"
    note = md_inline(product.reviewer_note)
    return f"yes, note: {note}" if note else "yes"

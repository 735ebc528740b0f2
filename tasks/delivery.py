"""Delivering a captions job's outputs to the customer's entry, exactly once.

Every asset ReachFlow makes carries two tags: ``reachflow-task-<taskId>`` (which job made it) and a
role tag (``reachflow-caption``, ``reachflow-transcript-txt``, ``reachflow-transcript-dfxp``). Before
adding an asset, delivery looks for one with both tags: a retried, restarted or resumed run finds
what an earlier attempt made and completes it (content, links) instead of adding a second one.
"""

from __future__ import annotations

from typing import Any

from reachflow.captions.formats import CaptionFormat
from reachflow.enums import AttachmentType, CaptionAssetStatus
from reachflow.models import Job

__all__ = ["ROLE_CAPTION", "ROLE_DFXP", "ROLE_TXT", "deliver_caption_package", "task_tag"]

ROLE_CAPTION = "reachflow-caption"
ROLE_TXT = "reachflow-transcript-txt"
ROLE_DFXP = "reachflow-transcript-dfxp"


def task_tag(task_id: int) -> str:
    return f"reachflow-task-{task_id}"


def _find(assets: list[Any], role: str) -> Any | None:
    for asset in assets:
        tags = {t.strip() for t in (asset.tags or "").split(",")}
        if role in tags:
            return asset
    return None


def _ensure_transcript(
    api: Any, job: Job, *, role: str, content: str, file_ext: str, fmt: AttachmentType, accuracy: int, human: bool
) -> str:
    entry_id = job.task.entry_id
    tag = task_tag(job.task.id)
    existing = _find(api.find_attachment_assets(entry_id, tag), role)
    if existing is not None and int(existing.status) == int(CaptionAssetStatus.READY):
        return str(existing.id)
    asset = existing or api.add_transcript_asset(
        entry_id,
        format=fmt,
        file_ext=file_ext,
        language=job.caption_language,
        accuracy_0_1=round(accuracy / 100.0, 2),
        human_verified=human,
        tags=f"{tag},{role}",
        title=f"{job.caption_language} transcript ({file_ext.upper()})",
        filename=f"transcript-{job.task.id}.{file_ext}",
    )
    # Upload + setContent, verified by reading back when an answer is lost (tasks/kaltura.py).
    api.set_attachment_file(asset.id, content.encode("utf-8"), f"transcript-{job.task.id}.{file_ext}")
    return str(asset.id)


def deliver_caption_package(
    api: Any,
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
    tag = task_tag(job.task.id)
    txt_id = _ensure_transcript(
        api,
        job,
        role=ROLE_TXT,
        content=txt_transcript,
        file_ext="txt",
        fmt=AttachmentType.TEXT,
        accuracy=accuracy,
        human=human,
    )
    dfxp_id = _ensure_transcript(
        api,
        job,
        role=ROLE_DFXP,
        content=dfxp_transcript,
        file_ext="dfxp",
        fmt=AttachmentType.DOCUMENT,
        accuracy=accuracy,
        human=human,
    )
    transcript_ids = [txt_id, dfxp_id]

    caption = _find(api.find_caption_assets(entry_id, tag), ROLE_CAPTION)
    if caption is None:
        caption = api.add_caption_asset(
            entry_id,
            language=job.caption_language,
            label=job.caption_language,
            format=caption_format.kaltura_caption_type,
            accuracy=accuracy,
            is_default=True,
            display_on_player=True,
            tags=f"{tag},{ROLE_CAPTION}",
            file_ext=caption_format.file_ext,
        )
    if int(caption.status) != int(CaptionAssetStatus.READY):
        api.set_caption_file(
            caption.id, caption_text.encode("utf-8"), f"captions-{job.task.id}.{caption_format.file_ext}"
        )
    api.update_caption_asset(caption.id, associated_transcript_ids=",".join(transcript_ids), accuracy=accuracy)

    added_tags: list[str] = []
    if keywords:
        from reachflow.captions.keywords import merge_tags

        entry = api.get_entry(entry_id)
        merged = merge_tags(entry.tags or "", keywords)
        if merged != (entry.tags or ""):
            api.update_entry_tags(entry_id, merged)
            added_tags = [
                k for k in keywords if k.lower() not in {t.strip().lower() for t in (entry.tags or "").split(",")}
            ]
    return {"caption_asset_id": str(caption.id), "transcript_ids": transcript_ids, "added_tags": added_tags}

"""Kaltura's cue point bulk XML (``cuePoint.addFromBulk``) for chapters.

The schema is the server's ingestion schema (kaltura/server ``plugins/cue_points/base/xml/ingestion.xsd``
plus the thumb cue point plugin's ``T_scene_thumbCuePoint``): ``<scenes>`` holds one
``<scene-thumb-cue-point entryId=… systemName=…>`` per chapter with, in this order,
``sceneStartTime`` (``xs:time``), ``tags/tag`` (each at most 30 characters), ``title``,
``description`` and ``subType`` (2 = CHAPTER). A file that breaks the schema is refused whole
(``XML_INVALID``). Evidence and what the server does with each field: ``docs/chaptering.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from reachflow.chapters.model import Chapter

__all__ = ["MAX_BULK_TAG_LENGTH", "MAX_SYSTEM_NAME_LENGTH", "SUBTYPE_CHAPTER", "bulk_tags", "chapters_bulk_xml"]

SUBTYPE_CHAPTER = 2  # KalturaThumbCuePointSubType.CHAPTER
MAX_BULK_TAG_LENGTH = 30  # ingestion.xsd T_tags/tag maxLength
MAX_SYSTEM_NAME_LENGTH = 120  # ingestion.xsd T_scene/@systemName maxLength
MAX_TAGS_LENGTH = 255  # CuePointPeer::MAX_TAGS_LENGTH


def _xs_time(seconds: float) -> str:
    ms = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}.{millis:03d}"


def bulk_tags(tags: Sequence[str]) -> list[str]:
    """The tags a bulk scene may carry: commas removed, at most 30 characters each, 255 in all."""
    kept: list[str] = []
    for tag in tags:
        clean = " ".join(tag.replace(",", " ").split())
        if not clean or len(clean) > MAX_BULK_TAG_LENGTH or clean in kept:
            continue
        if len(",".join([*kept, clean])) > MAX_TAGS_LENGTH:
            break
        kept.append(clean)
    return kept


def chapters_bulk_xml(entry_id: str, items: Sequence[tuple[str, Chapter, Sequence[str]]]) -> bytes:
    """The bulk file for ``items``: ``(systemName, chapter, tags)`` each, as UTF-8 bytes.

    Example:
        >>> xml = chapters_bulk_xml("0_abc", [("rf-1-ch01", Chapter(0.0, "Intro", "Hello."), ["rf"])])
        >>> b"<sceneStartTime>00:00:00.000</sceneStartTime>" in xml
        True
    """
    scenes = []
    for system_name, chapter, tags in items:
        tag_xml = "".join(f"<tag>{escape(t)}</tag>" for t in bulk_tags(tags))
        scenes.append(
            f"<scene-thumb-cue-point entryId={quoteattr(entry_id)} systemName={quoteattr(system_name)}>"
            f"<sceneStartTime>{_xs_time(chapter.start)}</sceneStartTime>"
            + (f"<tags>{tag_xml}</tags>" if tag_xml else "")
            + f"<title>{escape(chapter.title)}</title>"
            f"<description>{escape(chapter.description)}</description>"
            f"<subType>{SUBTYPE_CHAPTER}</subType>"
            "</scene-thumb-cue-point>"
        )
    body = "".join(scenes)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<scenes xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{body}</scenes>\n'
    ).encode()

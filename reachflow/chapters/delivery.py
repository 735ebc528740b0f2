"""What delivering a chapter list to an entry still has to do, given what is already there.

Every chapter a task delivers is a thumb cue point with a stable ``systemName``
(``reachflow-<taskId>-chNN``, unique per entry in Kaltura) and the task's tags. Comparing the
wanted chapters with the task's cue points already on the entry says, for each chapter, whether it
is done, missing (add it), or there but not as wanted (complete it: Kaltura's bulk ingestion keeps
only the start time, tags and system name of a thumb cue point, see ``docs/chaptering.md``); cue
points of the task that no chapter wants any more are extra (delete them). Repeating a delivery
therefore converges on exactly the wanted chapters, never a doubled one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reachflow.chapters.bulk import SUBTYPE_CHAPTER, bulk_tags
from reachflow.chapters.model import Chapter
from reachflow.models import CuePointInfo

__all__ = ["ChapterWork", "WantedChapter", "chapter_system_name", "compare_chapters", "wanted_chapters"]

ROLE_CHAPTER = "reachflow-chapter"


def chapter_system_name(task_id: int, number: int) -> str:
    """The cue point ``systemName`` of a task's ``number``-th chapter (1-based): ``reachflow-5301-ch01``."""
    return f"reachflow-{task_id}-ch{number:02d}"


@dataclass(frozen=True)
class WantedChapter:
    """A chapter as a cue point: its system name, the chapter and its tags (comma-separated)."""

    system_name: str
    chapter: Chapter
    tags: str

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]


def wanted_chapters(
    task_id: int, task_tag: str, chapters: Sequence[Chapter], keywords: Sequence[Sequence[str]] = ()
) -> list[WantedChapter]:
    """The cue points a task wants: tags are the task's tag, ``reachflow-chapter`` and up to two keywords."""
    wanted = []
    for number, chapter in enumerate(chapters, start=1):
        extra = list(keywords[number - 1][:2]) if number - 1 < len(keywords) else []
        tags = bulk_tags([task_tag, ROLE_CHAPTER, *extra])
        wanted.append(WantedChapter(chapter_system_name(task_id, number), chapter, ",".join(tags)))
    return wanted


def _tag_set(tags: str | None) -> set[str]:
    return {t.strip() for t in (tags or "").split(",") if t.strip()}


def is_delivered(cue: CuePointInfo, wanted: WantedChapter) -> bool:
    """Whether ``cue`` already is the chapter ``wanted`` (start, title, description, tags, subType CHAPTER)."""
    return (
        cue.sub_type == SUBTYPE_CHAPTER
        and cue.start_time_ms == wanted.chapter.start_ms
        and (cue.title or "") == wanted.chapter.title
        and (cue.description or "") == wanted.chapter.description
        and _tag_set(cue.tags) == _tag_set(wanted.tags)
    )


@dataclass
class ChapterWork:
    """What is left to do: chapters to add, cue points to complete or delete, and what is done."""

    missing: list[WantedChapter] = field(default_factory=list)
    incomplete: list[tuple[WantedChapter, CuePointInfo]] = field(default_factory=list)
    extra: list[CuePointInfo] = field(default_factory=list)
    done: list[tuple[WantedChapter, CuePointInfo]] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """Nothing left to add, complete or delete."""
        return not (self.missing or self.incomplete or self.extra)


def compare_chapters(wanted: Sequence[WantedChapter], existing: Sequence[CuePointInfo]) -> ChapterWork:
    """Match the task's cue points on the entry to the wanted chapters by system name.

    Example:
        >>> w = wanted_chapters(7, "reachflow-task-7", [Chapter(0.0, "Intro", "Hi.")])
        >>> compare_chapters(w, []).missing[0].system_name
        'reachflow-7-ch01'
    """
    work = ChapterWork()
    by_name: dict[str, CuePointInfo] = {}
    for cue in existing:
        if cue.system_name and cue.system_name not in by_name:
            by_name[cue.system_name] = cue
        else:
            work.extra.append(cue)  # no system name of ours, or a second cue point with the same one
    names = {w.system_name for w in wanted}
    work.extra.extend(cue for name, cue in by_name.items() if name not in names)
    for chapter in wanted:
        found = by_name.get(chapter.system_name)
        if found is None:
            work.missing.append(chapter)
        elif is_delivered(found, chapter):
            work.done.append((chapter, found))
        else:
            work.incomplete.append((chapter, found))
    return work

"""Chapters from a transcript: topic shifts between sentences, nudged to pauses or shot cuts, titled.

The steps (:func:`make_chapters`):

1. **Topic shifts.** Every gap between two sentences is scored by how different the meaning on
   its two sides is: the cosine similarity of the mean embedding of up to :data:`WINDOW`
   sentences before it against the mean of up to :data:`WINDOW` after it. A gap's *depth* is how
   far that similarity dips below the nearest peaks on either side (TextTiling's depth score),
   so a real change of subject stands out from the slow drift of one subject.
2. **How many.** The count scales with the length: no chapter shorter than
   :data:`MIN_CHAPTER_SECONDS` (unless the media itself is shorter, which gives one chapter), at
   most ``3 + duration / 120 s``, and at least one per ten minutes when the transcript offers a
   shift there. The deepest gaps are taken first; beyond the minimum, a gap is a boundary only
   when its depth is clearly above the typical one (mean + half a standard deviation).
3. **Where exactly.** A chapter starts with the first sentence of its topic, moved to the
   nearest shot cut, else to the end of the nearest pause, within :data:`NUDGE_SECONDS`.
4. **Titles and descriptions**, in the transcript's language: the title from the chapter's own
   keywords (those of other chapters are avoided), else its key sentence shortened; the
   description is the chapter's one or two most central sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reachflow.captions.keywords import extract_keywords
from reachflow.chapters.encoder import SentenceEncoder
from reachflow.chapters.model import MAX_DESCRIPTION_LENGTH, Chapter, Sentence

__all__ = [
    "MIN_CHAPTER_SECONDS",
    "NUDGE_SECONDS",
    "WINDOW",
    "ChapterPlan",
    "chapter_budget",
    "depth_scores",
    "make_chapters",
    "nudge",
]

WINDOW = 3
MIN_CHAPTER_SECONDS = 30.0
NUDGE_SECONDS = 3.0
TITLE_LENGTH = 60
_JOIN = {"en": "and", "es": "y", "fr": "et", "de": "und", "it": "e", "pt": "e", "nl": "en", "pl": "i", "ru": "и"}


@dataclass(frozen=True)
class ChapterPlan:
    """Chapters and how they were found (for the job report)."""

    chapters: list[Chapter]
    sentences: int
    boundaries: list[int]  # index of each chapter's first sentence (0 for the first chapter)
    depths: list[float]  # the depth of each chosen boundary (none for the first chapter)
    nudged: list[str]  # per chapter: "sentence", "pause" or "shot cut"


def chapter_budget(duration: float, min_chapter: float = MIN_CHAPTER_SECONDS) -> tuple[int, int]:
    """(fewest, most) chapters for media of ``duration`` seconds.

    Example:
        >>> chapter_budget(20.0), chapter_budget(100.0), chapter_budget(600.0), chapter_budget(3600.0)
        ((1, 1), (1, 3), (2, 8), (7, 33))
    """
    if duration < 2 * min_chapter:
        return 1, 1
    most = max(1, min(int(duration // min_chapter), 3 + int(duration // 120)))
    fewest = min(most, 1 + int(duration // 600))
    return fewest, most


def _normalised(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: npt.NDArray[np.float32] = (vectors / np.maximum(norms, 1e-9)).astype(np.float32)
    return unit


def depth_scores(embeddings: npt.NDArray[np.float32], window: int = WINDOW) -> list[float]:
    """Depth of the topic shift at each gap: ``scores[g]`` is the gap before sentence ``g + 1``.

    Example:
        >>> import numpy as np
        >>> e = np.array([[1, 0]] * 4 + [[0, 1]] * 4, dtype=np.float32)
        >>> int(np.argmax(depth_scores(e)))  # the gap before sentence 4
        3
    """
    n = len(embeddings)
    if n < 2:
        return []
    unit = _normalised(embeddings)
    similarity = []
    for gap in range(1, n):
        left = unit[max(0, gap - window) : gap].mean(axis=0)
        right = unit[gap : gap + window].mean(axis=0)
        denominator = float(np.linalg.norm(left) * np.linalg.norm(right)) or 1e-9
        similarity.append(float(left @ right) / denominator)
    depths = []
    for index, value in enumerate(similarity):
        left_peak = value
        for other in reversed(similarity[:index]):
            if other < left_peak:
                break
            left_peak = other
        right_peak = value
        for other in similarity[index + 1 :]:
            if other < right_peak:
                break
            right_peak = other
        depths.append((left_peak - value) + (right_peak - value))
    return depths


def _choose_boundaries(sentences: Sequence[Sentence], depths: Sequence[float], duration: float) -> list[int]:
    fewest, most = chapter_budget(duration)
    if most <= 1 or not depths:
        return []
    cutoff = float(np.mean(depths) + 0.5 * np.std(depths))
    chosen: list[int] = []
    for gap in sorted(range(len(depths)), key=lambda g: -depths[g]):
        if len(chosen) + 1 >= most:
            break
        if len(chosen) + 1 >= fewest and depths[gap] <= max(cutoff, 1e-6):
            break
        start = sentences[gap + 1].start
        if start < MIN_CHAPTER_SECONDS or duration - start < MIN_CHAPTER_SECONDS:
            continue
        if any(abs(start - sentences[c].start) < MIN_CHAPTER_SECONDS for c in chosen):
            continue
        chosen.append(gap + 1)
    return sorted(chosen)


def nudge(
    at: float,
    *,
    pauses: Sequence[tuple[float, float]] = (),
    cuts: Sequence[float] = (),
    window: float = NUDGE_SECONDS,
    not_before: float = 0.0,
) -> tuple[float, str]:
    """Move a chapter start ``at`` to the nearest shot cut, else the end of the nearest pause.

    Only within ``window`` seconds, and never to ``not_before`` or earlier (the previous chapter).

    Example:
        >>> nudge(41.0, pauses=[(38.0, 40.6)], cuts=[47.0])
        (40.6, 'pause')
        >>> nudge(41.0, pauses=[(38.0, 40.6)], cuts=[42.5])
        (42.5, 'shot cut')
    """
    near_cuts = [c for c in cuts if abs(c - at) <= window and c > not_before]
    if near_cuts:
        return min(near_cuts, key=lambda c: abs(c - at)), "shot cut"
    near_pauses = [end for start, end in pauses if start - window <= at <= end + window and end > not_before]
    if near_pauses:
        return min(near_pauses, key=lambda end: abs(end - at)), "pause"
    return at, "sentence"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-–—")
    return f"{cut}…"


def _title(keywords: list[str], taken: set[str], key_sentence: str, language: str) -> str:
    own = [k for k in keywords if k.lower() not in taken] or keywords
    if not own:
        return _shorten(key_sentence.rstrip(".!?…"), TITLE_LENGTH)
    first = own[0]
    second = next((k for k in own[1:] if k.lower() not in first.lower() and first.lower() not in k.lower()), None)
    joiner = _JOIN.get(language)
    if second and len(first) + len(second) < TITLE_LENGTH - 5:
        title = f"{first} {joiner} {second}" if joiner else f"{first}, {second}"
    else:
        title = first
    return title[:1].upper() + title[1:]


def make_chapters(
    sentences: Sequence[Sentence],
    duration: float,
    encoder: SentenceEncoder,
    *,
    language: str = "en",
    pauses: Sequence[tuple[float, float]] = (),
    cuts: Sequence[float] = (),
) -> ChapterPlan:
    """Chapters for media of ``duration`` seconds whose transcript is ``sentences``.

    Args:
        sentences: The transcript, in order (:func:`reachflow.chapters.sentences.sentences_from_words`).
        duration: The media's length in seconds.
        encoder: Sentence embeddings (:func:`reachflow.chapters.encoder.universal_encoder`).
        language: ISO 639-1 code of the transcript: titles and descriptions stay in it.
        pauses: Stretches without speech ``(start, end)``, for nudging.
        cuts: Shot cut times, for nudging.

    Returns:
        The plan; its first chapter starts at 0.
    """
    if not sentences:
        return ChapterPlan(chapters=[], sentences=0, boundaries=[], depths=[], nudged=[])
    embeddings = encoder.encode([s.text for s in sentences])
    depths = depth_scores(embeddings)
    starts = [0, *_choose_boundaries(sentences, depths, duration)]
    unit = _normalised(embeddings)
    spans = [(begin, end) for begin, end in zip(starts, [*starts[1:], len(sentences)], strict=True)]
    texts = [" ".join(s.text for s in sentences[b:e]) for b, e in spans]
    keywords = [extract_keywords(text, max_keywords=4, language=language) for text in texts]
    chapters: list[Chapter] = []
    nudged: list[str] = []
    taken: set[str] = set()
    previous = 0.0
    for number, (begin, end) in enumerate(spans):
        centroid = unit[begin:end].mean(axis=0)
        closeness = unit[begin:end] @ centroid
        ranked = [begin + int(i) for i in np.argsort(-closeness)]
        key = sentences[ranked[0]].text
        others = {k.lower() for i, ks in enumerate(keywords) if i != number for k in ks[:1]}
        title = _title(keywords[number], taken | others, key, language)
        taken.add(title.lower())
        central = sorted(ranked[:2])
        description = _shorten(" ".join(sentences[i].text for i in central), min(MAX_DESCRIPTION_LENGTH, 300))
        if number == 0:
            start, how = 0.0, "media start"
        else:
            start, how = nudge(sentences[begin].start, pauses=pauses, cuts=cuts, not_before=previous + 1.0)
        previous = start
        chapters.append(Chapter(start=round(start, 3), title=title, description=description))
        nudged.append(how)
    return ChapterPlan(
        chapters=chapters,
        sentences=len(sentences),
        boundaries=starts,
        depths=[round(depths[b - 1], 4) for b in starts[1:]],
        nudged=nudged,
    )

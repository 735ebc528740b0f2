"""Chaptering (serviceFeature CHAPTERING): chapters from the transcript's topic shifts (pure, offline).

* :mod:`~reachflow.chapters.sentences`: sentences from recognised words.
* :mod:`~reachflow.chapters.encoder`: multilingual sentence embeddings (USE v3, numpy, in the wheel).
* :mod:`~reachflow.chapters.segment`: topic shifts, chapter count, nudging to pauses and shot cuts,
  titles and descriptions in the transcript's language.
* :mod:`~reachflow.chapters.model`: :class:`Chapter`, the editable chapter list a person corrects and
  its checks.
* :mod:`~reachflow.chapters.bulk`: Kaltura's cue point bulk XML for the chapters.
"""

from __future__ import annotations

from reachflow.chapters.encoder import SentenceEncoder, UniversalSentenceEncoder, universal_encoder
from reachflow.chapters.model import (
    Chapter,
    ChapterListError,
    Sentence,
    check_chapters,
    format_timestamp,
    parse_chapter_list,
    render_chapter_list,
)
from reachflow.chapters.segment import ChapterPlan, chapter_budget, make_chapters, nudge
from reachflow.chapters.sentences import sentences_from_words

__all__ = [
    "Chapter",
    "ChapterListError",
    "ChapterPlan",
    "Sentence",
    "SentenceEncoder",
    "UniversalSentenceEncoder",
    "chapter_budget",
    "check_chapters",
    "format_timestamp",
    "make_chapters",
    "nudge",
    "parse_chapter_list",
    "render_chapter_list",
    "sentences_from_words",
    "universal_encoder",
]

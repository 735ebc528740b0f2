"""Offline machine translation: engines per language pair, glossary protection, translated cues.

Pure: no Prefect, no network. Whisper's speech→English translation lives in
:mod:`reachflow.translation.speech` (imported on demand: it loads a speech model).
"""

from __future__ import annotations

from reachflow.errors import NoTranslationEngine
from reachflow.translation.cues import translate_cues
from reachflow.translation.engines import (
    TABLE_HEADERS,
    ApertiumEngine,
    EnginePair,
    FastTranslateEngine,
    TranslationEngine,
    engine_for,
    engine_table,
    engine_table_markdown,
    language_name,
    require_engine,
    served_pairs,
)

__all__ = [
    "TABLE_HEADERS",
    "ApertiumEngine",
    "EnginePair",
    "FastTranslateEngine",
    "NoTranslationEngine",
    "TranslationEngine",
    "engine_for",
    "engine_table",
    "engine_table_markdown",
    "language_name",
    "require_engine",
    "served_pairs",
    "translate_cues",
]

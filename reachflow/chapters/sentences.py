"""Sentences from recognised words: the units whose meaning the topic detector compares."""

from __future__ import annotations

from collections.abc import Sequence

from reachflow.captions.model import Word
from reachflow.chapters.model import Sentence

__all__ = ["MAX_SENTENCE_WORDS", "PAUSE_SPLIT", "sentences_from_words"]

# A pause this long ends a sentence even without punctuation (recognisers often omit it), and an
# unpunctuated run of speech is cut into pieces no longer than this many words.
PAUSE_SPLIT = 1.2
MAX_SENTENCE_WORDS = 40
_ENDINGS = (".", "!", "?", "…", "。", "！", "？")
_ABBREVIATIONS = {"dr.", "mr.", "mrs.", "ms.", "prof.", "st.", "vs.", "etc.", "e.g.", "i.e.", "no.", "sr.", "jr."}


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip("\"'”’)»")
    if not stripped.endswith(_ENDINGS):
        return False
    return stripped.lower() not in _ABBREVIATIONS


def sentences_from_words(words: Sequence[Word]) -> list[Sentence]:
    """Group timed words into sentences.

    A sentence ends at a word ending in ``. ! ? …`` (not an abbreviation such as "Dr."), before a
    pause of :data:`PAUSE_SPLIT` seconds, or after :data:`MAX_SENTENCE_WORDS` words.

    Example:
        >>> from reachflow.captions.model import Word
        >>> [s.text for s in sentences_from_words([Word(0, 0.4, "Hello."), Word(0.5, 0.9, "Bye.")])]
        ['Hello.', 'Bye.']
    """
    sentences: list[Sentence] = []
    current: list[Word] = []

    def close() -> None:
        if current:
            text = " ".join(w.text.strip() for w in current if w.text.strip())
            if text:
                sentences.append(Sentence(start=current[0].start, end=current[-1].end, text=text))
            current.clear()

    for word in words:
        if current and word.start - current[-1].end >= PAUSE_SPLIT:
            close()
        current.append(word)
        if _ends_sentence(word.text) or len(current) >= MAX_SENTENCE_WORDS:
            close()
    close()
    return sentences

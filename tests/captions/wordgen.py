"""Timed words for caption tests: text spoken at a steady pace."""

from __future__ import annotations

from reachflow.captions.model import Word


def words_from(text: str, start: float = 0.0, step: float = 0.35, speaker: int | None = None) -> list[Word]:
    """One word every ``step`` seconds from ``start``, each 0.3 s long."""
    return [Word(start + i * step, start + i * step + 0.3, w, 0.9, speaker) for i, w in enumerate(text.split())]


def shown_words(cues: list) -> list[str]:
    """The words a viewer reads, labels left out."""
    out: list[str] = []
    for cue in cues:
        if cue.kind != "speech":
            continue
        tokens = " ".join(cue.lines).split()
        while tokens and tokens[0] == ">>":
            tokens = tokens[1:]
        if len(tokens) >= 2 and tokens[0] == "[Speaker" and tokens[1].endswith("]"):
            tokens = tokens[2:]
        out.extend(tokens)
    return out

"""Translated cues on the source's times: one target cue per source cue, lines re-broken.

Two ways to cut the text the engine sees:

* ``context="sentence"`` (default): consecutive speech cues that make up one sentence (up to
  :data:`MAX_GROUP_CUES` cues) are translated together, so the engine sees whole sentences,
  and the translation's words are shared out over the group's cues in proportion to how much
  of the source each cue holds, preferring breaks after punctuation. Each cue keeps its times.
* ``context="cue"``: each cue is translated on its own (fragments translate worse).

Whatever the mode, every word the engine returns is shown (a cue too long for the profile's two
lines keeps every word: its lines run over the limit and
:func:`reachflow.captions.quality.style_findings` reports it), speaker labels (``>>``,
``[Speaker 1]``) stay at the front of their cue, sound cues (``[MUSIC]``) are kept as they
are, and dictionary terms come out exactly as in the source.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from reachflow.captions.model import CaptionStyle, Cue
from reachflow.captions.segment import CLAUSE_END, SENTENCE_END, break_lines
from reachflow.translation.engines import TranslationEngine
from reachflow.translation.glossary import Restored, glossary_pattern, translate_protected

__all__ = ["MAX_GROUP_CUES", "distribute", "layout_lines", "translate_cues"]

MAX_GROUP_CUES = 5
_LABEL = re.compile(r"^(?:>>\s*)?(?:\[Speaker [^\]]*\]\s*)?")
_TAG = re.compile(r"\[[^\]\n]*\]|\([A-Z][A-Z ]*\)|♪+")
_NON_SPEECH = re.compile(r"^(?:\s|\[[^\]\n]*\]|\([^)\n]*\)|♪|#)*$")


@dataclass
class _Unit:
    """A text the engine translates, and the cues (indexes) it feeds."""

    cues: list[int]
    text: str
    weights: list[float]


def _split_label(cue: Cue) -> tuple[str, str]:
    text = " ".join(" ".join(cue.lines).split())
    match = _LABEL.match(text)
    label = match.group(0).strip() if match else ""
    return label, text[len(match.group(0)) if match else 0 :].strip()


def _is_non_speech(cue: Cue, body: str) -> bool:
    return cue.kind == "sound" or not body or bool(_NON_SPEECH.match(body))


def layout_lines(tokens: Sequence[str], style: CaptionStyle) -> tuple[str, ...]:
    """Tokens laid out in at most ``style.max_lines`` lines of ``style.max_chars_per_line``.

    Uses the captions line breaker (balanced lines, good break points). Text too long for the
    limit keeps every token: the shortest line length that fits the line count is used instead.
    """
    tokens = [t for t in tokens if t]
    if not tokens:
        return ()
    lines = break_lines(tokens, style.max_chars_per_line, style.max_lines)
    if lines is None:
        low, high = style.max_chars_per_line + 1, len(" ".join(tokens))
        while low < high:
            middle = (low + high) // 2
            if break_lines(tokens, middle, style.max_lines) is None:
                low = middle + 1
            else:
                high = middle
        lines = break_lines(tokens, low, style.max_lines) or [" ".join(tokens)]
    return tuple(lines)


def _tokens(restored: Restored) -> list[str]:
    """Words of a translation; a restored term ("Media Space") is one token, never split."""
    text, spans = restored.text, restored.spans
    tokens: list[str] = []
    previous_end = 0
    glue_until = -1  # a word starting before this offset belongs to the previous token
    for match in re.finditer(r"\S+", text):
        start, end = match.span()
        if tokens and start < glue_until:
            tokens[-1] += text[previous_end:end]
        else:
            tokens.append(match.group(0))
        for a, b in spans:
            if a < end < b:
                glue_until = max(glue_until, b)
        previous_end = end
    return tokens


def _break_quality(token: str) -> float:
    if token.endswith(SENTENCE_END):
        return 0.0
    if token.endswith(CLAUSE_END):
        return 0.5
    return 2.0


def distribute(tokens: Sequence[str], weights: Sequence[float], capacity: int) -> list[list[str]] | None:
    """Share ``tokens`` out over cues in proportion to ``weights``, keeping their order.

    Every cue gets at least one token. Among the cuts, the one closest to the proportional
    positions wins, with a preference for cuts after punctuation and against cues longer than
    ``capacity`` characters.

    Returns:
        One token list per weight, or None when there are fewer tokens than cues.
    """
    k, m = len(weights), len(tokens)
    if k == 0:
        return []
    if m < k:
        return None
    if k == 1:
        return [list(tokens)]
    lengths = [len(t) + 1 for t in tokens]
    prefix = [0]
    for n in lengths:
        prefix.append(prefix[-1] + n)
    total_chars = prefix[-1]
    total_weight = sum(weights) or float(k)
    ideal = []
    running = 0.0
    for w in weights[:-1]:
        running += w if sum(weights) else 1.0
        ideal.append(running / total_weight * total_chars)
    # best[i][j]: cost of putting tokens[:j] into the first i cues.
    inf = math.inf
    best = [[inf] * (m + 1) for _ in range(k + 1)]
    back = [[0] * (m + 1) for _ in range(k + 1)]
    best[0][0] = 0.0
    for i in range(1, k + 1):
        for j in range(i, m - (k - i) + 1):
            if i == k and j != m:
                continue
            cut_cost = 0.0
            if i < k:
                deviation = abs(prefix[j] - ideal[i - 1]) / max(total_chars, 1) * 20.0
                cut_cost = deviation + _break_quality(tokens[j - 1])
            for h in range(i - 1, j):
                if best[i - 1][h] == inf:
                    continue
                width = prefix[j] - prefix[h] - 1
                over = max(0, width - capacity) * 0.5
                cost = best[i - 1][h] + cut_cost + over
                if cost < best[i][j]:
                    best[i][j] = cost
                    back[i][j] = h
    groups: list[list[str]] = []
    j = m
    for i in range(k, 0, -1):
        h = back[i][j]
        groups.append(list(tokens[h:j]))
        j = h
    return groups[::-1]


def _groups(bodies: Sequence[str | None], labels: Sequence[str], cues: Sequence[Cue]) -> list[list[int]]:
    """Runs of speech cues forming one sentence (a label or a sound cue starts a new run)."""
    groups: list[list[int]] = []
    current: list[int] = []
    for index, body in enumerate(bodies):
        if body is None:
            if current:
                groups.append(current)
            current = []
            continue
        if current and (
            labels[index] or len(current) >= MAX_GROUP_CUES or cues[index].start - cues[current[-1]].end > 2.0
        ):
            groups.append(current)
            current = []
        current.append(index)
        if body.endswith(SENTENCE_END):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def translate_cues(
    cues: Sequence[Cue],
    engine: TranslationEngine,
    *,
    source: str,
    target: str,
    glossary: Sequence[str] | str,
    style: CaptionStyle,
    context: Literal["sentence", "cue"] = "sentence",
) -> list[Cue]:
    """Translate caption cues, one target cue per source cue on the same times.

    Args:
        cues: The source cues (speech and sound).
        engine: A text engine (see :func:`reachflow.translation.engine_for`).
        source: Source ISO 639-1 code.
        target: Target ISO 639-1 code.
        glossary: The REACH dictionary: its terms come out exactly as in the source.
        style: Line length and line count of the target captions.
        context: ``"sentence"`` translates sentences that span cues and shares their words
            out over the cues; ``"cue"`` translates each cue alone.

    Returns:
        The target cues: same count, start, end, speaker and kind as ``cues``.

    Raises:
        TransientError, PermanentError: from the engine.
    """
    labels: list[str] = []
    bodies: list[str | None] = []
    for cue in cues:
        label, body = _split_label(cue)
        labels.append(label)
        bodies.append(None if _is_non_speech(cue, body) else body)

    if context == "sentence":
        groups = _groups(bodies, labels, cues)
    else:
        groups = [[k] for k, body in enumerate(bodies) if body is not None]
    units = [_Unit(g, " ".join(bodies[k] or "" for k in g), [float(len(bodies[k] or "")) for k in g]) for g in groups]

    patterns = [glossary_pattern(glossary), _TAG]
    capacity = style.max_chars_per_line * style.max_lines

    def run(batch: list[_Unit]) -> list[Restored]:
        return translate_protected(
            [u.text for u in batch], lambda texts: engine.translate(texts, source, target), patterns
        )

    bodies_out: dict[int, list[str]] = {}
    retry: list[_Unit] = []
    for unit, restored in zip(units, run(units), strict=True):
        tokens = _tokens(restored) or (unit.text.split() if len(unit.cues) == 1 else [])
        shared = distribute(tokens, unit.weights, capacity)
        if shared is None:
            retry.extend(_Unit([k], bodies[k] or "", [1.0]) for k in unit.cues)
            continue
        for k, part in zip(unit.cues, shared, strict=True):
            bodies_out[k] = part
    if retry:
        for unit, restored in zip(retry, run(retry), strict=True):
            bodies_out[unit.cues[0]] = _tokens(restored) or unit.text.split()

    result: list[Cue] = []
    for index, cue in enumerate(cues):
        if bodies[index] is None:
            result.append(cue)
            continue
        tokens = ([labels[index]] if labels[index] else []) + bodies_out.get(index, [])
        result.append(Cue(cue.start, cue.end, layout_lines(tokens, style), cue.speaker, cue.kind))
    return result

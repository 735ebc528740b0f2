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
are, a dialogue cue ("- Hi." / "- Hello.", one speaker per line) keeps one translated line per
speaker, and dictionary terms come out exactly as in the source.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from reachflow.captions.model import CaptionStyle, Cue
from reachflow.captions.segment import BREAK_BEFORE, CLAUSE_END, SENTENCE_END, WEAK_ENDINGS, break_lines
from reachflow.translation.engines import TranslationEngine
from reachflow.translation.glossary import Restored, glossary_pattern, translate_protected

__all__ = ["MAX_GROUP_CUES", "distribute", "layout_lines", "translate_cues"]

MAX_GROUP_CUES = 5

# A line or cue should not end on these (articles, prepositions, conjunctions): they belong with
# what follows. Breaking just before a connective reads naturally. English uses the caption
# builder's lists.
_WEAK_ENDINGS = {
    "en": WEAK_ENDINGS,
    "es": frozenset(
        "el la los las un una unos unas de del al a en con por para y e o u que su sus mi mis tu tus "
        "nuestro nuestra vuestro vuestra se lo le les no muy es son".split()
    ),
    "pt": frozenset(
        "o a os as um uma uns umas de do da dos das no na nos nas em com por pelo pela pelos pelas para "
        "e ou que seu sua seus suas se ao aos à às é não muito".split()
    ),
    "ca": frozenset(
        "el la els les l un una uns unes de del dels al als a en amb per i o que seu seva seus seves es "
        "no molt és".split()
    ),
}
_BREAK_BEFORE = {
    "en": BREAK_BEFORE,
    "es": frozenset("y e o u pero porque que cuando donde como para con sin sobre de en entre desde hasta".split()),
    "pt": frozenset("e ou mas porque que quando onde como para com sem sobre de em entre desde até".split()),
    "ca": frozenset("i o però perquè que quan on com per amb sense sobre de en entre des fins".split()),
}
_LABEL = re.compile(r"^(?:>>\s*)?(?:\[Speaker [^\]]*\]\s*)?")
_TAG = re.compile(r"\[[^\]\n]*\]|\([A-Z][A-Z ]*\)|♪+")
_DIALOGUE = re.compile(r"^([-–—])\s*(\S.*)$")  # "- Hi." / "- Hello.": two speakers, one line each
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


def layout_lines(tokens: Sequence[str], style: CaptionStyle, language: str = "en") -> tuple[str, ...]:
    """Tokens laid out in at most ``style.max_lines`` lines of ``style.max_chars_per_line``.

    Two lines are balanced and broken where the target language reads well (after punctuation,
    before a conjunction, never after an article or preposition); more lines use the captions
    line breaker. Text too long for the limit keeps every token: the shortest line length that
    fits the line count is used instead (the cue is then reported by ``style_findings``).
    """
    tokens = [t for t in tokens if t]
    if not tokens:
        return ()
    for limit in _widths(tokens, style):
        lines = _two_lines(tokens, limit, language) if style.max_lines == 2 else None
        if lines is None:
            found = break_lines(tokens, limit, style.max_lines)
            lines = tuple(found) if found is not None else None
        if lines is not None:
            return lines
    return (" ".join(tokens),)


def _widths(tokens: Sequence[str], style: CaptionStyle) -> list[int]:
    """The profile's line length, then the shortest longer one with which the tokens fit."""
    limit = style.max_chars_per_line
    if break_lines(tokens, limit, style.max_lines) is not None:
        return [limit]
    low, high = limit + 1, max(limit + 1, len(" ".join(tokens)))
    while low < high:
        middle = (low + high) // 2
        if break_lines(tokens, middle, style.max_lines) is None:
            low = middle + 1
        else:
            high = middle
    return [low]


def _two_lines(tokens: Sequence[str], limit: int, language: str) -> tuple[str, ...] | None:
    """One line when it fits, else the cheapest cut into two lines of at most ``limit``."""
    whole = " ".join(tokens)
    if len(whole) <= limit or len(tokens) == 1:
        return (whole,) if len(whole) <= limit else None
    best: tuple[float, int] | None = None
    for cut in range(1, len(tokens)):
        first, second = " ".join(tokens[:cut]), " ".join(tokens[cut:])
        if len(first) > limit and cut > 1:
            break
        if (len(first) > limit) or (len(second) > limit and len(tokens) - cut > 1):
            continue
        cost = _break_cost(tokens[cut - 1], tokens[cut], language) + 0.3 * abs(len(first) - len(second))
        if best is None or cost < best[0]:
            best = (cost, cut)
    if best is None:
        return None
    return (" ".join(tokens[: best[1]]), " ".join(tokens[best[1] :]))


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


def _bare(token: str) -> str:
    return token.strip(".,;:!?¿¡\"'“”‘’«»()[]—–-…").lower()


def _break_cost(before: str, after: str | None, language: str) -> float:
    """How bad a line or cue break between two words is, in the target language (0 = ideal)."""
    if before.endswith(SENTENCE_END):
        return 0.0
    if before.endswith(CLAUSE_END):
        return 0.5
    cost = 2.0
    word = _bare(before).split("'")[-1] if before.endswith("'") else _bare(before)
    if word in _WEAK_ENDINGS.get(language, WEAK_ENDINGS) or before.endswith("'"):
        cost += 3.0
    elif after is not None and _bare(after) in _BREAK_BEFORE.get(language, BREAK_BEFORE):
        cost -= 1.0
    return cost


def _fits(widths: Sequence[int], max_chars: int, max_lines: int) -> bool:
    """Whether words of these widths fit in ``max_lines`` lines of ``max_chars`` (greedy fill is exact)."""
    lines, used = 1, -1
    for width in widths:
        if used >= 0 and used + 1 + width > max_chars:
            lines += 1
            used = -1
        used = width if used < 0 else used + 1 + width
    return lines <= max_lines


def distribute(
    tokens: Sequence[str], weights: Sequence[float], style: CaptionStyle, language: str = "en"
) -> list[list[str]] | None:
    """Share ``tokens`` out over cues in proportion to ``weights``, keeping their order.

    Every cue gets at least one token. Among the cuts, the one closest to the proportional
    positions wins, with a preference for cuts after punctuation and before conjunctions, and
    against cues that end on an article or preposition of ``language`` or do not fit the
    style's lines.

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
    widths = [len(t) for t in tokens]
    prefix = [0]
    for n in widths:
        prefix.append(prefix[-1] + n + 1)
    total_chars = prefix[-1]
    total_weight = sum(weights)
    shares = list(weights) if total_weight > 0 else [1.0] * k
    total_weight = sum(shares)
    ideal = []
    running = 0.0
    for w in shares[:-1]:
        running += w
        ideal.append(running / total_weight * total_chars)
    fit_cache: dict[tuple[int, int], bool] = {}

    def fits(h: int, j: int) -> bool:
        if (h, j) not in fit_cache:
            fit_cache[(h, j)] = _fits(widths[h:j], style.max_chars_per_line, style.max_lines)
        return fit_cache[(h, j)]

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
                cut_cost = deviation + _break_cost(tokens[j - 1], tokens[j], language)
            for h in range(i - 1, j):
                if best[i - 1][h] == inf:
                    continue
                over = 0.0 if fits(h, j) else 4.0 + 0.2 * (prefix[j] - prefix[h])
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
    dialogue: dict[int, list[tuple[str, str]]] = {}  # cue -> (dash, text) per line
    for index, cue in enumerate(cues):
        label, body = _split_label(cue)
        labels.append(label)
        turns = [_DIALOGUE.match(line) for line in cue.lines]
        if cue.kind == "speech" and len(turns) >= 2 and all(turns):
            dialogue[index] = [(m.group(1), m.group(2)) for m in turns if m]
            bodies.append(None)  # each line is translated alone and stays a line
            continue
        bodies.append(None if _is_non_speech(cue, body) else body)

    if context == "sentence":
        groups = _groups(bodies, labels, cues)
    else:
        groups = [[k] for k, body in enumerate(bodies) if body is not None]
    units = [_Unit(g, " ".join(bodies[k] or "" for k in g), [float(len(bodies[k] or "")) for k in g]) for g in groups]

    patterns = [glossary_pattern(glossary), _TAG]

    def run(batch: list[_Unit]) -> list[Restored]:
        return translate_protected(
            [u.text for u in batch], lambda texts: engine.translate(texts, source, target), patterns
        )

    bodies_out: dict[int, list[str]] = {}
    retry: list[_Unit] = []
    for unit, restored in zip(units, run(units), strict=True):
        tokens = _tokens(restored) or (unit.text.split() if len(unit.cues) == 1 else [])
        shared = distribute(tokens, unit.weights, style, target)
        if shared is None:
            retry.extend(_Unit([k], bodies[k] or "", [1.0]) for k in unit.cues)
            continue
        for k, part in zip(unit.cues, shared, strict=True):
            bodies_out[k] = part
    if retry:
        for unit, restored in zip(retry, run(retry), strict=True):
            bodies_out[unit.cues[0]] = _tokens(restored) or unit.text.split()
    speakers = [_Unit([k], text, [1.0]) for k, lines in dialogue.items() for _dash, text in lines]
    translated_turns = iter(run(speakers) if speakers else [])
    dialogue_out: dict[int, tuple[str, ...]] = {}
    for k, lines in dialogue.items():
        dialogue_out[k] = tuple(f"{dash} {next(translated_turns).text or text}" for dash, text in lines)

    result: list[Cue] = []
    for index, cue in enumerate(cues):
        if index in dialogue_out:
            result.append(Cue(cue.start, cue.end, dialogue_out[index], cue.speaker, cue.kind))
            continue
        if bodies[index] is None:
            result.append(cue)
            continue
        tokens = ([labels[index]] if labels[index] else []) + bodies_out.get(index, [])
        result.append(Cue(cue.start, cue.end, layout_lines(tokens, style, target), cue.speaker, cue.kind))
    return result

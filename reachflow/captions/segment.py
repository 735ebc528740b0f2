"""Cues from timed words: what a caption reader sees, and when.

The rules (REACH profile options plus the Netflix/BBC/DCMP practice in notes/models-and-quality.md):

* at most ``max_lines`` lines of at most ``max_chars_per_line`` characters, labels included; a word
  is never split (a word longer than a line stands alone on its line); text that fits one line
  stays on one line;
* cue and line breaks are chosen by minimum cost, like a paragraph line breaker: sentence ends are
  the best places, then clause punctuation and pauses, then before a conjunction or preposition;
  a line or cue should not end on an article, preposition, conjunction or auxiliary; two lines
  are balanced rather than one full and one short;
* a change of speaker (when speakers are marked), a long pause and an audio tag always end a cue;
* a cue spans at most ``max_duration`` of speech; it is shown at least ``min_duration`` and long
  enough for ``max_cps`` where the silence before the next cue allows; cues never overlap;
* ``[Speaker N]`` (speaker ids, N in order of appearance) and ``>>`` (speaker change) open the
  first cue of a new speaker; ``[MUSIC]``-style cues fill non-speech sound when audio tags are on.

Everything is deterministic: the same words and style give the same cues.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reachflow.captions.model import CaptionStyle, Cue, NonSpeech, Word
from reachflow.captions.profanity import mask_profanity

__all__ = ["break_lines", "build_cues"]

SENTENCE_END = (".", "?", "!", "…", '."', '?"', '!"', ".”", "?”", "!”")
CLAUSE_END = (",", ";", ":", "—", "–", ",”", ',"')

# A line or cue should not end on these: they belong with the word that follows.
WEAK_ENDINGS = frozenset(
    """a an the and or but nor of to in on at by for with from into onto upon as than that if so
    my your his her our their its this these those is are was were be been being am will would can
    could shall should may might must has have had do does did not no very i you he she we they it
    mr mrs ms dr st""".split()
)
# Breaking just before these is natural ("... | and then", "... | in the garden").
BREAK_BEFORE = frozenset(
    """and but or nor so yet because although though while when where which who whom whose that if
    unless until since after before as than of to in on at by for with from into about over under
    between through during without within against""".split()
)
# Pronoun + verb should stay together ("we | went" reads badly).
PRONOUNS = frozenset("i you he she we they it".split())

# Costs, in arbitrary units: only their order and ratios matter.
_COST_SENTENCE = 0.0
_COST_CLAUSE = 1.0
_COST_PAUSE = 1.5
_COST_BEFORE_CONNECTIVE = 3.0
_COST_PLAIN = 6.0
_COST_WEAK_ENDING = 8.0
_COST_PRONOUN = 5.0
_COST_NAME = 4.0
_COST_AFTER_LABEL = 50.0  # a label alone at the end of a line: only when nothing else fits
_BALANCE_PER_CHAR = 0.3
_CUE_COST = 4.0  # per cue: fewer, fuller cues are easier to read than many flashes
_COST_INNER_SENTENCE = 5.0
_COST_INNER_SENTENCE_AT_LINE = 1.0
_COST_INNER_PAUSE = 3.0
_CUE_BREAK_WEIGHT = 2.0  # a bad cue break hurts more than a bad line break
_RATE_PENALTY = 5.0  # per second of reading time missing
_SHORT_PENALTY = 5.0  # per second under the minimum duration
_MIN_SOUND_SECONDS = 1.0  # shorter non-speech between words is not worth a tag
_EARLIEST_LEAD_MS = 500  # a short cue may start this much before its speech


@dataclass(frozen=True)
class _Token:
    text: str
    pause_after: float = 0.0  # silence before the next token (seconds)
    label: bool = False  # a speaker label: glued to what follows


def _bare(text: str) -> str:
    return text.strip(".,;:!?\"'“”‘’()[]—–-…").lower()


def _break_cost(a: _Token, b: _Token, pause_break: float) -> float:
    """The cost of a break (line or cue) between tokens ``a`` and ``b``."""
    if a.label:
        return _COST_AFTER_LABEL
    text = a.text
    if text.endswith(SENTENCE_END):
        cost = _COST_SENTENCE
    elif text.endswith(CLAUSE_END):
        cost = _COST_CLAUSE
    elif a.pause_after >= pause_break:
        cost = _COST_PAUSE
    elif _bare(b.text) in BREAK_BEFORE:
        cost = _COST_BEFORE_CONNECTIVE
    else:
        cost = _COST_PLAIN
    if cost > _COST_CLAUSE:  # punctuation excuses the word before it
        word = _bare(text)
        if word in WEAK_ENDINGS:
            cost += _COST_WEAK_ENDING
        elif word in PRONOUNS:
            cost += _COST_PRONOUN
        elif text[:1].isupper() and b.text[:1].isupper() and word not in PRONOUNS:
            cost += _COST_NAME  # "Ada | Lovelace"
    return cost


class _Lines:
    """Line layouts of token ranges, from prefix sums (cheap enough to try every candidate cue)."""

    def __init__(self, tokens: Sequence[_Token], max_chars: int, max_lines: int, pause_break: float) -> None:
        self.tokens = tokens
        self.max_chars = max_chars
        self.max_lines = max_lines
        self.prefix = [0]
        for t in tokens:
            self.prefix.append(self.prefix[-1] + len(t.text))
        self.costs = [_break_cost(tokens[k], tokens[k + 1], pause_break) for k in range(len(tokens) - 1)]

    def width(self, i: int, j: int) -> int:
        """Characters of tokens ``i..j-1`` on one line."""
        return self.prefix[j] - self.prefix[i] + (j - i - 1)

    def fits(self, i: int, j: int) -> bool:
        return j - i == 1 or self.width(i, j) <= self.max_chars

    def best(self, i: int, j: int) -> tuple[float, list[int]] | None:
        """Cheapest cut positions for tokens ``i..j-1`` in the fewest lines that fit."""
        if j <= i:
            return 0.0, []
        if self.fits(i, j):
            return 0.0, []
        if self.max_lines >= 2:
            found: tuple[float, list[int]] | None = None
            for cut in range(i + 1, j):
                if not self.fits(i, cut):
                    break
                if not self.fits(cut, j):
                    continue
                cost = self.costs[cut - 1] + _BALANCE_PER_CHAR * abs(self.width(i, cut) - self.width(cut, j))
                if found is None or cost < found[0]:
                    found = (cost, [cut])
            if found is not None:
                return found
        for line_count in range(3, self.max_lines + 1):
            found = self._search(i, j, line_count)
            if found is not None:
                return found
        return None

    def _search(self, i: int, j: int, line_count: int) -> tuple[float, list[int]] | None:
        """Exhaustive search for three or more lines (rare: max_lines is 2 in REACH)."""
        found: tuple[float, list[int]] | None = None
        stack: list[tuple[int, list[int]]] = [(i, [])]
        while stack:
            start, cuts = stack.pop()
            if len(cuts) == line_count - 1:
                if self.fits(start, j):
                    bounds = [i, *cuts, j]
                    sizes = [self.width(bounds[k], bounds[k + 1]) for k in range(line_count)]
                    cost = sum(self.costs[c - 1] for c in cuts) + _BALANCE_PER_CHAR * (max(sizes) - min(sizes))
                    if found is None or (cost, cuts) < found:
                        found = (cost, cuts)
                continue
            for end in range(start + 1, j):
                if not self.fits(start, end):
                    break
                stack.append((end, [*cuts, end]))
        return found

    def lines(self, i: int, cuts: Sequence[int], j: int) -> list[str]:
        bounds = [i, *cuts, j]
        return [" ".join(t.text for t in self.tokens[a:b]) for a, b in itertools.pairwise(bounds)]


def break_lines(words: Sequence[str], max_chars: int, max_lines: int = 2) -> list[str] | None:
    """Lay out words in at most ``max_lines`` balanced lines of at most ``max_chars`` characters.

    Text that fits one line stays on one line. A word longer than ``max_chars`` stands alone on
    its line (words are never split).

    Args:
        words: The words in order, punctuation attached.
        max_chars: Longest line.
        max_lines: Most lines.

    Returns:
        The lines, or None when the words cannot fit.
    """
    tokens = [_Token(w) for w in words if w]
    layout = _Lines(tokens, max_chars, max_lines, pause_break=math.inf)
    found = layout.best(0, len(tokens))
    return None if found is None else layout.lines(0, found[1], len(tokens))


# ---------------------------------------------------------------------------------------------
# Cues


@dataclass(frozen=True)
class _Draft:
    """A cue before timing: times in integer milliseconds."""

    start: int
    end: int
    lines: tuple[str, ...]
    speaker: int | None
    kind: str


def _clean_words(words: Iterable[Word], style: CaptionStyle) -> list[Word]:
    """Words in time order with text stripped (and masked), empty ones dropped."""
    ordered = sorted((w for w in words if w.text and w.text.strip()), key=lambda w: (w.start, w.end))
    cleaned = []
    for w in ordered:
        text = " ".join(w.text.split())
        if style.profanity:
            text = mask_profanity(text)
        cleaned.append(Word(w.start, max(w.end, w.start), text, w.probability, w.speaker))
    return cleaned


def _speaker_numbers(words: Sequence[Word]) -> list[int | None]:
    """Each word's speaker numbered 1..N in order of appearance; unknown inherits the previous."""
    numbers: dict[int, int] = {}
    result: list[int | None] = []
    current: int | None = None
    for w in words:
        if w.speaker is not None:
            current = numbers.setdefault(w.speaker, len(numbers) + 1)
        result.append(current)
    return result


def _sound_pieces(regions: Iterable[NonSpeech], words: Sequence[Word]) -> list[tuple[float, float, str]]:
    """Non-speech regions minus the time of any word, pieces of at least a second."""
    pieces: list[tuple[float, float, str]] = []
    spans = [(w.start, w.end) for w in words]
    for region in sorted(regions, key=lambda r: (r.start, r.end)):
        label = region.label.strip().strip("[]").strip().upper() or "NOISE"
        free = [(region.start, region.end)]
        for ws, we in spans:
            if we <= region.start or ws >= region.end:
                continue
            free = [piece for a, b in free for piece in ((a, min(b, ws)), (max(a, we), b)) if piece[1] > piece[0]]
        pieces.extend((a, b, label) for a, b in free if b - a >= _MIN_SOUND_SECONDS)
    # Regions from a detector may overlap each other: keep the earlier one.
    merged: list[tuple[float, float, str]] = []
    for a, b, label in sorted(pieces):
        if merged and a < merged[-1][1]:
            a = merged[-1][1]
            if b - a < _MIN_SOUND_SECONDS:
                continue
        merged.append((a, b, label))
    return merged


def _segments(
    words: Sequence[Word],
    speakers: Sequence[int | None],
    sounds: Sequence[tuple[float, float, str]],
    style: CaptionStyle,
) -> list[tuple[int, int]]:
    """Word index ranges that no cue may cross: speaker changes, long pauses, audio tags."""
    bounds: list[tuple[int, int]] = []
    start = 0
    sound_index = 0
    for k in range(1, len(words)):
        prev, word = words[k - 1], words[k]
        hard = word.start - prev.end >= style.hard_pause
        if style.marks_speakers and speakers[k] != speakers[k - 1]:
            hard = True
        while sound_index < len(sounds) and sounds[sound_index][1] <= prev.end:
            sound_index += 1
        if sound_index < len(sounds) and sounds[sound_index][0] < word.start:
            hard = True  # a tag sits in this gap
        if hard:
            bounds.append((start, k))
            start = k
    if words:
        bounds.append((start, len(words)))
    return bounds


def _best_groups(
    words: Sequence[Word], labels: Sequence[str], next_start: float, style: CaptionStyle
) -> list[tuple[int, int, list[str]]]:
    """Split one segment's words into cues by minimum total cost (dynamic programming).

    Args:
        words: The segment's words (no cue may cross the segment's ends).
        labels: Speaker labels that open the segment's first cue.
        next_start: When the next cue after this segment starts (inf: none), for reading time.
        style: The caption style.

    Returns:
        (first word, end word exclusive, lines) per cue, in order.
    """
    n = len(words)
    offset = len(labels)  # word k is token k + offset; labels are tokens 0..offset-1
    tokens = [_Token(label, label=True) for label in labels]
    for k, w in enumerate(words):
        tokens.append(_Token(w.text, pause_after=words[k + 1].start - w.end if k + 1 < n else 0.0))
    layout = _Lines(tokens, style.max_chars_per_line, style.max_lines, style.pause_break)
    capacity = style.max_chars_per_line * style.max_lines
    sentence_ends = [w.text.endswith(SENTENCE_END) for w in words]
    pauses = [k + 1 < n and words[k + 1].start - w.end >= style.pause_break for k, w in enumerate(words)]
    best: list[float] = [math.inf] * (n + 1)
    choice: list[tuple[int, list[int]]] = [(0, [])] * (n + 1)
    best[0] = 0.0
    for j in range(1, n + 1):
        following = words[j].start if j < n else next_start
        boundary = _CUE_BREAK_WEIGHT * layout.costs[offset + j - 1] if j < n else 0.0
        for i in range(j - 1, -1, -1):
            a = 0 if i == 0 else i + offset
            b = j + offset
            single = j - i == 1
            if not single and (layout.width(a, b) > capacity or words[j - 1].end - words[i].start > style.max_duration):
                break
            if best[i] == math.inf:
                continue
            found = layout.best(a, b)
            if found is None:
                if not single:
                    continue
                found = (_COST_AFTER_LABEL, [])  # labels + one long word on one line: never lose a word
            layout_cost, cuts = found
            chars = layout.width(a, b)
            available = min(style.max_duration, following - style.min_gap - words[i].start)
            needed = max(chars / style.max_cps, style.min_duration)
            cost = best[i] + _CUE_COST + layout_cost + boundary
            # A sentence that ends inside a cue and another that starts there: allowed, but a
            # cue that closes at the sentence end reads better (unless a line break is there).
            # Likewise a pause inside a cue: the text after it shows before it is spoken.
            for k in range(i, j - 1):
                if sentence_ends[k]:
                    cost += _COST_INNER_SENTENCE_AT_LINE if k + 1 + offset in cuts else _COST_INNER_SENTENCE
                elif pauses[k]:
                    cost += _COST_INNER_SENTENCE_AT_LINE if k + 1 + offset in cuts else _COST_INNER_PAUSE
            if needed > available:
                cost += _RATE_PENALTY * (needed - available)
            if available < style.min_duration:
                cost += _SHORT_PENALTY * (style.min_duration - available)
            if cost < best[j]:
                best[j] = cost
                choice[j] = (i, cuts)
    groups: list[tuple[int, int, list[str]]] = []
    j = n
    while j > 0:
        i, cuts = choice[j]
        a = 0 if i == 0 else i + offset
        groups.append((i, j, layout.lines(a, cuts, j + offset)))
        j = i
    return groups[::-1]


def _labels(speaker: int | None, previous: int | None, style: CaptionStyle) -> list[str]:
    if speaker is None or speaker == previous:
        return []
    labels = []
    if style.speaker_change and previous is not None:
        labels.append(">>")
    if style.speaker_ids:
        labels.append(f"[Speaker {speaker}]")
    return labels


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _timed(drafts: list[_Draft], style: CaptionStyle) -> list[Cue]:
    """Final times: strictly increasing starts, minimum duration and reading time where the
    silence allows, capped at the maximum duration, never overlapping the next cue."""
    drafts = sorted(drafts, key=lambda d: (d.start, d.end))
    # Limits rounded inward to whole milliseconds, so 5/6 s still holds after rounding.
    min_ms = math.ceil(style.min_duration * 1000 - 1e-6)
    max_ms = math.floor(style.max_duration * 1000 + 1e-6)
    gap_ms = math.ceil(style.min_gap * 1000 - 1e-6)
    starts: list[int] = []
    for d in drafts:
        starts.append(max(d.start, starts[-1] + 1) if starts else max(d.start, 0))
    cues: list[Cue] = []
    previous_end = 0
    for index, d in enumerate(drafts):
        start = starts[index]
        next_start = starts[index + 1] if index + 1 < len(drafts) else None
        reading = math.ceil(len(" ".join(d.lines)) / style.max_cps * 1000) if d.kind == "speech" else 0
        wanted = min(max(d.end, start + min_ms, start + reading), start + max_ms)
        end = wanted
        if next_start is not None:
            natural = min(d.end, next_start)
            end = min(wanted, max(next_start - gap_ms, natural))
        end = max(end, start + 1)
        if next_start is not None:
            end = min(end, next_start)
        if end - start < min_ms and cues:
            # Cannot run longer: show it a little earlier instead, into the silence before it.
            earliest = max(previous_end + gap_ms, end - min_ms, start - _EARLIEST_LEAD_MS)
            start = min(start, max(earliest, previous_end))
        cues.append(Cue(start / 1000, end / 1000, d.lines, d.speaker, "sound" if d.kind == "sound" else "speech"))
        previous_end = end
    return cues


def build_cues(words: Iterable[Word], style: CaptionStyle, non_speech: Iterable[NonSpeech] = ()) -> list[Cue]:
    """Caption cues for recognised words, following the customer's style.

    Args:
        words: Timed words (any order; sorted by start). Empty words are dropped.
        style: Line, timing and REACH options.
        non_speech: Sound regions, shown as ``[LABEL]`` cues when ``style.audio_tags`` is on
            (only where no word is spoken; pieces under a second are left out).

    Returns:
        Cues in time order, not overlapping (``end <= next.start``), times in whole milliseconds.
        Every word appears exactly once, in order.

    Example:
        >>> cues = build_cues([Word(0.0, 0.4, "Hello"), Word(0.5, 0.9, "world.")], CaptionStyle())
        >>> cues[0].lines
        ('Hello world.',)
    """
    cleaned = _clean_words(words, style)
    speakers = _speaker_numbers(cleaned) if style.marks_speakers else [None] * len(cleaned)
    sounds = _sound_pieces(non_speech, cleaned) if style.audio_tags else []
    drafts: list[_Draft] = []
    previous_speaker: int | None = None
    segments = _segments(cleaned, speakers, sounds, style)
    for index, (first, last) in enumerate(segments):
        seg_words = cleaned[first:last]
        speaker = speakers[first]
        labels = _labels(speaker, previous_speaker, style) if style.marks_speakers else []
        next_start = cleaned[segments[index + 1][0]].start if index + 1 < len(segments) else math.inf
        for sound_start, _sound_end, _label in sounds:
            if seg_words[-1].end <= sound_start < next_start:
                next_start = sound_start
                break
        for i, j, lines in _best_groups(seg_words, labels, next_start, style):
            drafts.append(_Draft(_ms(seg_words[i].start), _ms(seg_words[j - 1].end), tuple(lines), speaker, "speech"))
        if speaker is not None:
            previous_speaker = speaker
    for start, end, label in sounds:
        capped = min(end, start + style.max_duration)
        drafts.append(_Draft(_ms(start), _ms(capped), (f"[{label}]",), None, "sound"))
    return _timed(drafts, style)

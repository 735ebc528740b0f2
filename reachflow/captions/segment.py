"""Cues from timed words: what a caption reader sees, and when.

Rules (the REACH profile plus common broadcast practice):

* at most ``max_lines`` lines of at most ``max_chars_per_line`` characters; a word is never split
  (a word longer than a line stands alone on its line);
* a new cue at a change of speaker (when speakers are marked), at a pause, when the text would
  not fit, when it would last longer than ``max_duration``, and preferably after a sentence end;
* two lines are balanced, and a line does not end on a word that belongs with the next one
  (articles, prepositions, conjunctions) when another break fits;
* a cue lasts at least ``min_duration`` and long enough for ``max_cps`` characters per second where
  the silence before the next cue allows; cues never overlap;
* ``[Speaker N]`` labels (speaker ids) or ``>>`` (speaker change) open the first cue of a new
  speaker; ``[MUSIC]``-style cues fill stretches of non-speech sound when audio tags are on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from reachflow.captions.model import CaptionStyle, Cue, NonSpeech, Word
from reachflow.captions.profanity import mask_profanity

__all__ = ["break_lines", "build_cues"]

WEAK_LINE_ENDINGS = {
    "a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "by", "for", "with", "from",
    "into", "onto", "as", "that", "if", "so", "than", "my", "your", "his", "her", "our", "their", "its", "is",
    "are", "was", "were", "be", "this", "these", "those", "very", "not", "no",
}
SENTENCE_END = (".", "?", "!", "…")
CLAUSE_END = (",", ";", ":", "—", "-")


def _joined(words: Sequence[str]) -> str:
    return " ".join(w for w in words if w)


def break_lines(text_words: Sequence[str], max_chars: int, max_lines: int = 2) -> list[str] | None:
    """Split words into at most ``max_lines`` balanced lines, or None when they cannot fit.

    A single word longer than ``max_chars`` is allowed on a line of its own (never split).
    """
    words = [w for w in text_words if w]
    if not words:
        return []
    whole = _joined(words)
    if len(whole) <= max_chars:
        return [whole]
    if max_lines < 2:
        return [whole] if len(words) == 1 else None
    best: tuple[float, list[str]] | None = None
    for cut in range(1, len(words)):
        first, second = _joined(words[:cut]), _joined(words[cut:])
        first_ok = len(first) <= max_chars or cut == 1
        if not first_ok:
            break
        rest = break_lines(words[cut:], max_chars, max_lines - 1)
        if rest is None:
            continue
        lines = [first, *rest]
        longest = max(len(line) for line in lines)
        shortest = min(len(line) for line in lines)
        cost = float(longest - shortest)
        last = words[cut - 1].lower().strip(".,;:!?\"'")
        if last in WEAK_LINE_ENDINGS:
            cost += 12
        if words[cut - 1].endswith(SENTENCE_END):
            cost -= 10
        elif words[cut - 1].endswith(CLAUSE_END):
            cost -= 6
        if len(rest) > 1 or len(second) > max_chars:
            cost += 4 * (len(lines) - 2)
        if best is None or cost < best[0]:
            best = (cost, lines)
    return best[1] if best else None


def _prefix(speaker: int | None, previous: int | None, style: CaptionStyle, first_cue: bool) -> str:
    if speaker is None:
        return ""
    changed = previous is not None and speaker != previous
    if style.speaker_ids and (changed or first_cue):
        return f"[Speaker {speaker}] "
    if style.speaker_change and changed:
        return ">> "
    return ""


def _groups(words: list[Word], style: CaptionStyle) -> list[list[Word]]:
    """Words grouped into cues (before timing)."""
    capacity = style.max_chars_per_line * style.max_lines
    by_speaker = style.speaker_ids or style.speaker_change
    groups: list[list[Word]] = []
    current: list[Word] = []
    previous_speaker: int | None = None
    for word in words:
        if current:
            last = current[-1]
            new_speaker = by_speaker and word.speaker is not None and word.speaker != last.speaker
            pause = word.start - last.end >= style.pause_split
            too_long = word.end - current[0].start > style.max_duration
            texts = [w.text for w in current] + [word.text]
            prefix = _prefix(current[0].speaker if by_speaker else None, previous_speaker, style, not groups)
            lines = break_lines([prefix.strip(), *texts] if prefix else texts, style.max_chars_per_line, style.max_lines)
            does_not_fit = lines is None
            current_len = len(_joined([w.text for w in current]))
            sentence_break = last.text.endswith(SENTENCE_END) and current_len >= 0.5 * capacity
            clause_break = last.text.endswith(CLAUSE_END) and current_len >= 0.75 * capacity
            if new_speaker or pause or too_long or does_not_fit or sentence_break or clause_break:
                groups.append(current)
                previous_speaker = current[0].speaker if by_speaker else None
                current = []
        current.append(word)
    if current:
        groups.append(current)
    return groups


def build_cues(words: Iterable[Word], style: CaptionStyle, non_speech: Iterable[NonSpeech] = ()) -> list[Cue]:
    """Caption cues for ``words`` (in time order) following ``style``; deterministic."""
    ordered = sorted((w for w in words if w.text.strip()), key=lambda w: (w.start, w.end))
    if style.profanity:
        ordered = [Word(w.start, w.end, mask_profanity(w.text), w.probability, w.speaker) for w in ordered]
    ordered = [Word(w.start, w.end, w.text.strip(), w.probability, w.speaker) for w in ordered]
    by_speaker = style.speaker_ids or style.speaker_change
    raw: list[Cue] = []
    previous: int | None = None
    for index, group in enumerate(_groups(ordered, style)):
        speaker = group[0].speaker if by_speaker else None
        prefix = _prefix(speaker, previous, style, index == 0)
        texts = [w.text for w in group]
        lines = break_lines([prefix.strip(), *texts] if prefix else texts, style.max_chars_per_line, style.max_lines)
        if lines is None:  # cannot happen for groups built above, but never lose words
            lines = [_joined([prefix.strip(), *texts]) if prefix else _joined(texts)]
        raw.append(Cue(group[0].start, group[-1].end, tuple(lines), speaker=speaker))
        previous = speaker if speaker is not None else previous
    if style.audio_tags:
        raw = _with_sound_cues(raw, list(non_speech), style)
    return _time(raw, style)


def _with_sound_cues(cues: list[Cue], regions: list[NonSpeech], style: CaptionStyle) -> list[Cue]:
    result = list(cues)
    for region in sorted(regions, key=lambda r: r.start):
        start, end = region.start, min(region.end, region.start + style.max_duration)
        overlapping = [c for c in cues if c.start < end and c.end > start]
        if overlapping:
            continue
        if end - start < 0.5:
            continue
        result.append(Cue(start, end, (f"[{region.label.upper()}]",), kind="sound"))
    return sorted(result, key=lambda c: (c.start, c.end))


def _time(cues: list[Cue], style: CaptionStyle) -> list[Cue]:
    timed: list[Cue] = []
    for index, cue in enumerate(cues):
        next_start = round(cues[index + 1].start, 3) if index + 1 < len(cues) else None
        start = round(cue.start, 3) if not timed else max(round(cue.start, 3), timed[-1].end)
        wanted = max(style.min_duration, len(cue.text) / style.max_cps)
        end = max(cue.end, start + wanted)
        end = min(end, start + max(style.max_duration, cue.end - start))
        if next_start is not None:
            end = min(end, next_start)
        end = max(end, min(cue.end, next_start) if next_start is not None else cue.end)
        if end <= start:
            end = start + 0.001
        # Times are kept to the millisecond; the end rounds up so a minimum duration still holds.
        end = math.ceil(round(end * 1000, 6)) / 1000
        if next_start is not None:
            end = min(end, next_start)
        timed.append(Cue(round(start, 3), end, cue.lines, cue.speaker, cue.kind))
    return timed

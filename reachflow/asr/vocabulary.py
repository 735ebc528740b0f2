"""Dictionary snapping: near misses of the REACH dictionary's terms, corrected after recognition.

The prompt steers Whisper towards the dictionary's spellings, but not always: "Kaltura" still
comes out as "culture" where the prompt no longer reaches, "WebVTT" as "Web VTT" or "WebBTT",
"Okafor" as "Okafour", "Moodle" as "muddle". This pass replaces a run of one to (term length + 1)
recognised words by a term when the two are close in spelling *and* in sound (metaphone), and
only where the audio evidence allows it:

* a run that already reads as the term up to case and spacing ("Web VTT", "moodle") is written
  the term's way, unless the run is an ordinary word that only differs in case ("reach" stays
  "reach" for the term "REACH": nothing in the audio says which one was meant);
* a run with a word that is not an ordinary word of the language (word frequency below
  ``ORDINARY_ZIPF``) snaps when it is close enough;
* a run of ordinary words ("culture", "model") snaps when it sounds like the term and either the
  engine itself was unsure of it (probability below ``UNSURE``) or the audio, decoded again with
  the dictionary as prompt, says the term there (the ``confirm`` callback, which the engine
  supplies): "the new model" said clearly stays.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from reachflow.asr.base import RecognizedWord

__all__ = ["ORDINARY_ZIPF", "UNSURE", "Confirm", "dictionary_terms", "snap_to_dictionary"]

Confirm = Callable[[Sequence[RecognizedWord], str], bool]
"""``confirm(run, term)``: does the audio under ``run`` (recognised words) say ``term``?"""

ORDINARY_ZIPF = 3.0  # wordfreq Zipf scale: 3 = once per million words ("muddle" 2.8, "culture" 5.0)
UNSURE = 0.5  # an ordinary word heard with less confidence than this may be a term
MIN_SCORE = 0.75  # mean of spelling and sound similarity needed for a near miss
CONFIRM_SCORE = 0.65  # a word that is no ordinary word and this close is snapped only if the audio says the term
MIN_KEY = 4  # shorter terms ("SRT") are only ever fixed in case and spacing

_EDGE = re.compile(r"^(\W*)(.*?)(\W*)$", re.UNICODE | re.DOTALL)
_INNER_STOP = (".", "?", "!", ",", ";", ":")


def dictionary_terms(dictionary: Sequence[str] | str | None) -> list[str]:
    """Unique terms of a REACH dictionary (a list, or a comma / line / semicolon separated string)."""
    if dictionary is None:
        return []
    raw = re.split(r"[,\n;]", dictionary) if isinstance(dictionary, str) else [str(t) for t in dictionary]
    seen: set[str] = set()
    terms: list[str] = []
    for term in (" ".join(t.split()) for t in raw):
        if term and term.lower() not in seen:
            seen.add(term.lower())
            terms.append(term)
    return terms


def _parts(text: str) -> tuple[str, str, str]:
    """(leading punctuation, the word, trailing punctuation)."""
    m = _EDGE.match(text)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", text, "")


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


@functools.lru_cache(maxsize=65536)
def _zipf(word: str, language: str) -> float:
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # without frequencies every word counts as ordinary: only unsure words snap
        return 8.0
    try:
        return float(zipf_frequency(word, language))
    except (LookupError, ValueError):
        return 8.0


@functools.lru_cache(maxsize=65536)
def _sound(key: str) -> str:
    import jellyfish

    # Semivowels and h left out: "Priya Raman" (PRYRMN) and "Pre-uramen" (PRRMN) sound alike.
    return "".join(ch for ch in str(jellyfish.metaphone(key)) if ch not in "YWH")


# Consonants grouped by how they are confused in speech (Soundex's classes over metaphone's
# letters; X is "sh"/"ch", 0 is "th"): "Achafer" (XFR) and "Okafor" (KFR) fall together.
_CLASS = str.maketrans("BFPVCGJKQSXZDT0LMNR", "1111222222222334556")


@functools.lru_cache(maxsize=65536)
def _sound_classes(sound: str) -> str:
    """The consonant classes of a metaphone key, vowels dropped, repeats collapsed."""
    out: list[str] = []
    for ch in sound.translate(_CLASS):
        if ch.isdigit() and (not out or out[-1] != ch):
            out.append(ch)
    return "".join(out)


def _similarity(a: str, b: str) -> float:
    import jellyfish

    if not a and not b:
        return 1.0
    return 1.0 - jellyfish.levenshtein_distance(a, b) / max(len(a), len(b))


@dataclass(frozen=True)
class _Term:
    text: str
    words: int
    key: str
    sound: str
    ordinary: bool


def _term(text: str, language: str) -> _Term:
    key = _key(text)
    parts = text.split()
    ordinary = all(_zipf(p.lower(), language) >= ORDINARY_ZIPF for p in parts)
    return _Term(text, len(parts), key, _sound(key), ordinary)


def _score(span_key: str, term: _Term) -> float:
    """Spelling and sound similarity of a run's letters to a term, 0–1 (0: lengths too far apart)."""
    if not span_key or not 0.6 <= len(span_key) / max(len(term.key), 1) <= 1.6:
        return 0.0
    sound = _sound(span_key)
    heard_as = max(_similarity(sound, term.sound), _similarity(_sound_classes(sound), _sound_classes(term.sound)))
    return 0.5 * _similarity(span_key, term.key) + 0.5 * heard_as


def _shortened(span_keys: Sequence[str], term: _Term) -> bool:
    """A multi-word term heard with the middle of a word missing: the run has as many words as the
    term, each a shortening of the term's word (its start and, for the last word, all of it):
    "turn time" for "turnaround time"."""
    parts = [_key(p) for p in term.text.split()]
    if len(parts) < 2 or len(span_keys) != len(parts) or span_keys[-1] != parts[-1]:
        return False
    changed = False
    for heard, part in zip(span_keys, parts, strict=True):
        if heard == part:
            continue
        if len(heard) < 3 or not part.startswith(heard[:3]) or not _subsequence(heard, part):
            return False
        changed = True
    return changed and len("".join(span_keys)) >= 0.5 * len(term.key)


def _subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(ch in letters for ch in short)


def _snap_text(span: Sequence[RecognizedWord], term: _Term) -> str:
    lead, core, _ = _parts(span[0].text)
    trail = _parts(span[-1].text)[2]
    text = term.text
    if text[:1].islower() and core[:1].isupper():
        text = text[:1].upper() + text[1:]  # "Turnaround time" at a sentence start
    return f"{lead}{text}{trail}"


def snap_to_dictionary(
    words: Sequence[RecognizedWord],
    dictionary: Sequence[str] | str | None,
    language: str | None = "en",
    *,
    confirm: Confirm | None = None,
) -> tuple[list[RecognizedWord], list[tuple[str, str]]]:
    """Replace near misses of dictionary terms by the terms, where the audio evidence allows.

    Args:
        words: recognised words in time order (joined from word pieces).
        dictionary: the REACH dictionary (terms, or a comma / line separated string).
        language: ISO 639-1 code of the words (decides what an ordinary word is).
        confirm: asked ``confirm(run, term)`` before an ordinary word heard with confidence is
            snapped ("reach" → "REACH", "culture" → "Kaltura"); the engine listens to the run's
            audio again, steered by the dictionary. ``None``: such words are never snapped.

    Returns:
        The corrected words (a snapped run becomes one word spanning the run's time, its lowest
        probability kept) and the ``(heard, term)`` corrections made, in order.

    Example:
        >>> w = [RecognizedWord(0, 0.4, "Doctor", 0.9), RecognizedWord(0.5, 1.0, "Okafour.", 0.6)]
        >>> [x.text for x in snap_to_dictionary(w, ["Okafor"])[0]]
        ['Doctor', 'Okafor.']
    """
    code = (language or "en").replace("_", "-").split("-")[0].lower() or "en"
    terms = [_term(t, code) for t in dictionary_terms(dictionary) if _key(t)]
    if not terms or not words:
        return list(words), []
    cores = [_parts(w.text)[1] for w in words]
    keys = [_key(c) for c in cores]
    out: list[RecognizedWord] = []
    snapped: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        best: tuple[float, int, _Term] | None = None
        exact = next(
            (
                t
                for t in terms
                if " ".join(cores[i : i + t.words]) == t.text
                and not any(w.text.endswith(_INNER_STOP) for w in words[i : i + t.words - 1])
            ),
            None,
        )
        if exact is not None:  # already right: keep it, and do not snap a neighbour
            out.extend(words[i : i + exact.words])
            i += exact.words
            continue
        for term in terms:
            for n in range(max(1, term.words - 1), term.words + 2):
                span = words[i : i + n]
                if len(span) < n or any(w.text.endswith(_INNER_STOP) for w in span[:-1]):
                    break
                span_key = "".join(keys[i : i + n])
                surface = " ".join(cores[i : i + n])
                if surface == term.text:
                    best = (2.0, n, term)  # already right: keep it, and do not snap a neighbour
                    break
                ordinary = all(_zipf(k, code) >= ORDINARY_ZIPF for k in keys[i : i + n])
                needs_evidence = False
                if span_key == term.key:
                    # Same letters, other case or spacing ("Web VTT", "moodle"); an ordinary word
                    # that only differs in case ("reach" / "REACH") needs the audio's word for it.
                    needs_evidence = ordinary and n == term.words and term.ordinary
                    score = 1.5
                elif len(term.key) < MIN_KEY:
                    continue
                else:
                    score = _score(span_key, term)
                    if score < MIN_SCORE and _shortened(keys[i : i + n], term):
                        score = MIN_SCORE  # "turn time" for "turnaround time": only if the audio says the term
                        needs_evidence = True
                    elif score < MIN_SCORE:
                        if ordinary or score < CONFIRM_SCORE:
                            continue
                        needs_evidence = True  # "Achafer" for "Okafor": a made-up word, not close enough alone
                    else:
                        # A clearly heard ordinary word ("model") is what was said, unless the audio says otherwise.
                        needs_evidence = ordinary and min(w.probability for w in span) >= UNSURE
                if n > 1 and any(
                    sub == term.key or _score(sub, term) >= min(score, 1.0)
                    for sub in ("".join(keys[i + 1 : i + n]), "".join(keys[i : i + n - 1]))
                ):
                    continue  # the run without its first or last word is as close: never swallow a neighbour
                if needs_evidence and (confirm is None or not confirm(span, term.text)):
                    continue
                if best is None or score > best[0]:
                    best = (score, n, term)
            if best is not None and best[0] == 2.0:
                break
        if best is None or best[0] == 2.0:
            take = best[1] if best is not None else 1
            out.extend(words[i : i + take])
            i += take
            continue
        _score_value, n, term = best
        span = words[i : i + n]
        text = _snap_text(span, term)
        heard = " ".join(w.text for w in span)
        out.append(
            replace(span[0], end=max(w.end for w in span), text=text, probability=min(w.probability for w in span))
        )
        if heard != text:
            snapped.append((heard, text))
        i += n
    return out, snapped

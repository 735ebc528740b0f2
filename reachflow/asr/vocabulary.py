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

Mishearings that are not near misses in spelling ("Moodle" heard as "Google", "Okafor" as
"Rockefeller", "WebVTT" as "web media") are found by sound: espeak-ng's phonemes of the heard
run and of the term (:func:`phonemes`) are compared, and a run that sounds close enough
(``SOUND_ALIKE``) is weighed on the audio (the ``weigh`` callback, which the engine supplies):
the model's own log-probability of the surrounding text with the term in place of the run,
forced on that stretch of audio (after the dictionary prompt), against the text as heard. The term
wins only when it explains the audio better by at least ``MIN_GAIN`` nats for every listener the
engine asks; "Google" said for real stays "Google".
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from reachflow.asr.base import RecognizedWord

__all__ = [
    "MIN_GAIN",
    "ORDINARY_ZIPF",
    "SOUND_ALIKE",
    "UNSURE",
    "WEIGH_BELOW",
    "Confirm",
    "Weigh",
    "Weighed",
    "dictionary_terms",
    "phonemes",
    "snap_to_dictionary",
    "sound_alike",
    "weigh_sound_alikes",
]

Confirm = Callable[[Sequence[RecognizedWord], str], bool]
"""``confirm(run, term)``: does the audio under ``run`` (recognised words) say ``term``?"""

Weigh = Callable[[Sequence[RecognizedWord], int, int, str], tuple[float, float]]
"""``weigh(words, i, n, text)``: log-probabilities (as heard, with ``text`` in place of
``words[i:i + n]``) of the words around the run, forced on their audio by the recognition model."""

ORDINARY_ZIPF = 3.0  # wordfreq Zipf scale: 3 = once per million words ("muddle" 2.8, "culture" 5.0)
UNSURE = 0.5  # an ordinary word heard with less confidence than this may be a term
MIN_SCORE = 0.75  # mean of spelling and sound similarity needed for a near miss
CONFIRM_SCORE = 0.65  # a word that is no ordinary word and this close is snapped only if the audio says the term
MIN_KEY = 4  # shorter terms ("SRT") are only ever fixed in case and spacing

SOUND_ALIKE = 0.55  # phoneme similarity (0–1) from which a run is weighed against a term on the audio
MIN_GAIN = 1.0  # nats: how much better than the heard text the term's text must explain the audio, for every listener
WEIGH_BELOW = 0.9  # runs heard at least this confidently are not weighed (a clear "Google" costs nothing)
MAX_WEIGHS = 60  # sound-alike runs weighed per transcript (each re-encodes a few seconds of audio)

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


_PHONEMES: dict[tuple[str, str], str] = {}
_MARKS = str.maketrans("", "", "ˈˌː‿͡-_' ")
# Punctuation that is not inside a word or a number ("end. Next", "well, yes", ","), where espeak-ng breaks.
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]\"…—–]+(?!\w)|(?<!\w)[.,;:!?()\[\]\"…—–]+")


def phonemes(texts: Sequence[str], language: str = "en") -> list[str]:
    """espeak-ng's phonemes (IPA, stress and length marks dropped) of each text, ``""`` when
    espeak-ng is missing or does not speak ``language``. One espeak-ng call for all new texts.

    Example:
        >>> phonemes(["Moodle", "Google"])  # doctest: +SKIP
        ['muddəl', 'ɡuɡəl']
    """
    todo = sorted({t for t in texts if (t, language) not in _PHONEMES})
    # espeak-ng starts a new line at a clause break ("end. Next" → two lines) and prints none for bare
    # punctuation, which would shift every later text onto another's phonemes: break-free texts only.
    said = {t: _CLAUSE_BREAK.sub(" ", t).strip() for t in todo}
    for text in todo:
        if not said[text]:
            _PHONEMES[(text, language)] = ""
    todo = [t for t in todo if said[t]]
    if todo:
        out = _espeak([said[t] for t in todo], language)
        if len(out) != len(todo):  # still not one line each: say each text alone
            out = [" ".join(_espeak([said[t]], language)) for t in todo]
        for text, ipa in zip(todo, out, strict=True):
            _PHONEMES[(text, language)] = ipa.translate(_MARKS)
    return [_PHONEMES[(t, language)] for t in texts]


def _espeak(texts: Sequence[str], language: str) -> list[str]:
    """One espeak-ng run, one line of IPA per line of input (``[]`` on any failure)."""
    exe = shutil.which("espeak-ng")
    if exe is None or any("\n" in t for t in texts):
        return []
    try:
        done = subprocess.run(
            [exe, "-q", "--ipa", "-v", language],
            input="\n".join(texts) + "\n",
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def sound_alike(heard: str, term: str, language: str = "en") -> float:
    """How alike ``heard`` and ``term`` sound, 0–1: phoneme edit distance (espeak-ng), or the
    metaphone keys' when espeak-ng cannot say them. "Google" / "Moodle" 0.6, "Rockefeller" /
    "Okafor" 0.57, "model" / "Moodle" 0.67, "lecture" / "Moodle" 0.14."""
    a, b = phonemes([heard, term], language)
    if not a or not b:
        return _similarity(_sound(_key(heard)), _sound(_key(term)))
    return 1.0 - _phoneme_distance(a, b) / max(len(a), len(b))


_VOWELS = frozenset("aeiouyæɐɑɒɔəɘɚɛɜɞɤɨɪɯɵøœʉʊʌʏ")


# Consonants a listener (and Whisper) swaps within a class: "Priya Raman" heard "Pre-alarm and".
_CONSONANT_CLASSES = (frozenset("lɹrɾɫ"), frozenset("mnŋ"))


def _substitution(ca: str, cb: str) -> float:
    if ca == cb:
        return 0.0
    if ca in _VOWELS and cb in _VOWELS:
        return 0.4
    if any(ca in c and cb in c for c in _CONSONANT_CLASSES):
        return 0.5
    return 1.0


def _phoneme_distance(a: str, b: str) -> float:
    """Edit distance over phoneme symbols, a vowel for another vowel costing 0.4 (accents and
    reduced vowels vary far more than consonants between a voice and a dictionary), a liquid
    for a liquid or a nasal for a nasal 0.5."""
    row = [float(j) for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], float(i)
        for j, cb in enumerate(b, 1):
            cost = _substitution(ca, cb)
            prev, row[j] = row[j], min(row[j] + 1.0, row[j - 1] + 1.0, prev + cost)
    return row[-1]


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
    weigh: Weigh | None = None,
) -> tuple[list[RecognizedWord], list[tuple[str, str]]]:
    """Replace near misses of dictionary terms by the terms, where the audio evidence allows.

    Args:
        words: recognised words in time order (joined from word pieces).
        dictionary: the REACH dictionary (terms, or a comma / line separated string).
        language: ISO 639-1 code of the words (decides what an ordinary word is).
        confirm: asked ``confirm(run, term)`` before an ordinary word heard with confidence is
            snapped ("reach" → "REACH", "culture" → "Kaltura"); the engine listens to the run's
            audio again, steered by the dictionary. ``None``: such words are never snapped.
        weigh: the audio's verdict on a run that only sounds like a term ("Google" for "Moodle"):
            see :data:`Weigh` and :func:`weigh_sound_alikes`. ``None``: such runs stay as heard.

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
    if weigh is not None:
        out, more = weigh_sound_alikes(out, [t for t in terms if len(t.key) >= MIN_KEY], code, weigh)
        snapped.extend(more)
    return out, snapped


@dataclass(frozen=True)
class Weighed:
    """One sound-alike run weighed on the audio: what was heard, the term, and both log-probabilities."""

    heard: str
    term: str
    heard_logprob: float
    term_logprob: float
    margins: tuple[float, ...] = ()
    """Each listener's ``term − heard`` log-probability, when several were asked."""

    @property
    def accepted(self) -> bool:
        """The term explains the audio at least ``MIN_GAIN`` nats better than what was heard."""
        return self.term_logprob - self.heard_logprob >= MIN_GAIN


def _sound_alike_runs(
    words: Sequence[RecognizedWord], i: int, terms: Sequence[_Term], language: str, term_words: set[str]
) -> list[tuple[float, int, _Term]]:
    """Runs starting at ``words[i]`` that sound like a term (best first): ``(similarity, length, term)``."""
    found: list[tuple[float, int, _Term]] = []
    for term in terms:
        for n in range(1, term.words + 2):
            span = words[i : i + n]
            if len(span) < n or any(w.text.endswith(_INNER_STOP) for w in span[:-1]):
                break
            cores = [_parts(w.text)[1] for w in span]
            if any(c in term_words for c in cores) or min(w.probability for w in span) >= WEIGH_BELOW:
                continue
            similarity = sound_alike(" ".join(cores), term.text, language)
            if similarity < SOUND_ALIKE:
                continue
            if n > 1 and any(
                sound_alike(" ".join(part), term.text, language) >= similarity for part in (cores[1:], cores[:-1])
            ):
                continue  # the run without its first or last word sounds as close: never swallow a neighbour
            found.append((similarity, n, term))
    return sorted(found, key=lambda c: -c[0])


def weigh_sound_alikes(
    words: Sequence[RecognizedWord],
    terms: Sequence[str] | Sequence[_Term],
    language: str,
    weigh: Weigh,
) -> tuple[list[RecognizedWord], list[tuple[str, str]]]:
    """Runs that sound like a dictionary term ("Google" / "Moodle"), replaced where the audio agrees.

    Each run of up to (term length + 1) words whose phonemes are ``SOUND_ALIKE`` to a term, heard
    with probability below ``WEIGH_BELOW`` and not containing a term's word, is weighed: the
    model's log-probability of the surrounding words with the term in its place, forced on the
    audio, against the words as heard (``weigh``). The term replaces the run when it is better by
    ``MIN_GAIN`` nats (:attr:`Weighed.accepted`); at most ``MAX_WEIGHS`` runs are weighed.

    Args:
        words: recognised words in time order.
        terms: the dictionary's terms.
        language: ISO 639-1 code (espeak-ng's voice for the phonemes).
        weigh: the audio's log-probabilities, see :data:`Weigh`.

    Returns:
        The words and the ``(heard, term)`` replacements made.
    """
    entries = [t if isinstance(t, _Term) else _term(t, language) for t in terms]
    entries = [t for t in entries if len(t.key) >= MIN_KEY]
    term_words = {p for t in entries for p in t.text.split()} | {t.text for t in entries}
    longest = max((t.words for t in entries), default=0) + 1
    cores = [_parts(w.text)[1] for w in words]
    # Every run's phonemes in one espeak-ng call, not one call per run.
    phonemes(
        [t.text for t in entries]
        + [" ".join(cores[i : i + n]) for i in range(len(cores)) for n in range(1, longest + 1) if i + n <= len(cores)],
        language,
    )
    out = list(words)
    snapped: list[tuple[str, str]] = []
    weighed = 0
    i = 0
    while i < len(out) and entries and weighed < MAX_WEIGHS:
        taken = 0
        for _similarity_value, n, term in _sound_alike_runs(out, i, entries, language, term_words)[:2]:
            if weighed >= MAX_WEIGHS:
                break
            weighed += 1
            span = out[i : i + n]
            text = _snap_text(span, term)
            heard_lp, term_lp = weigh(out, i, n, text)
            verdict = Weighed(" ".join(w.text for w in span), text, heard_lp, term_lp)
            if verdict.accepted:
                out[i : i + n] = [
                    replace(
                        span[0], end=max(w.end for w in span), text=text, probability=min(w.probability for w in span)
                    )
                ]
                snapped.append((verdict.heard, text))
                taken = 1
                break
        i += taken or 1
    return out, snapped

"""Profanity masking for ``enableProfanityRemoval``: the first letter kept, the rest starred.

The word list is `better-profanity`'s (about 900 entries) when that package is installed, else a
compact built-in list. Matching is on whole words, case-insensitive, so "Scunthorpe",
"assessment" or "cocktail" are never touched.

better-profanity is written for chat filters and flags many words that are ordinary in lectures
and news ("organ", "slope", "god", "gay", "kill", "womb", "Homo sapiens"). Masking those would make
captions wrong, so :data:`NOT_PROFANE` takes them back out; what remains is swearing, sexual
vulgarity and slurs.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

__all__ = ["NOT_PROFANE", "contains_profanity", "mask_profanity", "profane_words"]

# The built-in list (used alone when better-profanity is missing, and always added to its list:
# it has gaps such as "assholes", "bastards", "bollocks", "dammit").
_BUILTIN = frozenset(
    """
    arse arsehole asshole assholes bastard bastards bitch bitches bitching bitchy bollocks bullshit
    bugger cock cocks cocksucker crap crappy cunt cunts damn damned dammit damnit dick dickhead dicks
    douche douchebag fag faggot fags fuck fucked fucker fuckers fuckin fucking fucks goddamn
    goddamned goddamnit jackass motherfucker motherfuckers motherfucking nigga nigger piss pissed
    pisses pissing prick pricks pussy shit shite shithead shits shitted shitting shitty slut sluts
    twat twats wank wanker wankers whore whores
    """.split()
)

# Stems whose regular inflections are profane too ("fuckin", "shitting"): only these, because a
# general suffix rule would catch innocent words ("cocker spaniel", "pricked a finger").
_STEMS = ("fuck", "shit", "piss", "damn", "bitch", "cunt", "wank", "twat", "bullshit", "motherfuck")
_SUFFIXES = ("s", "es", "ed", "er", "ers", "ing", "in", "y", "ty", "ting", "ted", "head", "heads")

# Words in better-profanity's list that are not profanity in captions (anatomy, medicine,
# religion, history, identity, drink and drugs, everyday words and names).
NOT_PROFANE = frozenset(
    """
    anal anus aryan arian balls breast breasts blow bloody bum bung butt cipa dink dong drunk dummy
    erect erection fanny fat gay gays glans god goddess gonad guido hebe hell hemp hiv homey homo
    homosexual hooch hump hymen jerk kill kkk klan kum labia lech len leper lesbian lmao loin loins
    lust lusty massa maxi meth moron naked nappy nazi nipple nipples nude omg opium oral organ
    orgasm ovary ovum ovums paddy pawn pee penis pms poop pot potty prude prig pubic pubis queer
    racy rape raped reich revue rum rump screw semen sex sexual snuff sodom souse slave slope sperm
    strip suck sucks teat teste testes testicle thug tramp tush ugly unwed urine uterus uzi vagina
    vixen vodka vomit vulva wang wazoo weed wench willy womb woody xx
    """.split()
)

# Innocent multi-word entries of better-profanity's list.
_NOT_PROFANE_PHRASES = frozenset({"cow girl", "cow girls", "strip club", "deep throat"})

# Words that are also common names: masked in running text, left alone when capitalised in the
# middle of a sentence ("Moby Dick", "Philip K. Dick").
_NAMES = frozenset({"dick", "dicks", "cox"})

# A word: letters/digits, joined by inner apostrophes, hyphens or dots ("f.u.c.k", "don't").
_WORD = re.compile(r"[^\W_]+(?:['’\-._][^\W_]+)*", re.UNICODE)
_PART = re.compile(r"[^\W_]+", re.UNICODE)


def _load_better_profanity() -> tuple[frozenset[str], frozenset[tuple[str, ...]]]:
    """better-profanity's word list as single words and multi-word phrases (empty if absent)."""
    try:
        import better_profanity
    except ImportError:  # the compact built-in list is enough for the common words
        return frozenset(), frozenset()
    path = Path(better_profanity.__file__).with_name("profanity_wordlist.txt")
    try:
        entries = [line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines()]
    except OSError:
        return frozenset(), frozenset()
    words = {e for e in entries if e and " " not in e}
    phrases = {tuple(e.split()) for e in entries if " " in e and e not in _NOT_PROFANE_PHRASES}
    return frozenset(words), frozenset(phrases)


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[tuple[str, ...]]]:
    words, phrases = _load_better_profanity()
    return frozenset((words | _BUILTIN) - NOT_PROFANE), phrases


def profane_words() -> frozenset[str]:
    """The single words that are masked (lower case)."""
    return _lists()[0]


def _normalise(token: str) -> str:
    return token.lower().replace("’", "'")


def _is_profane_word(key: str) -> bool:
    words = _lists()[0]
    if key in words:
        return True
    for stem in _STEMS:
        if key.startswith(stem) and key[len(stem) :] in _SUFFIXES:
            return True
    return False


def _mask(token: str) -> str:
    """``token`` with every letter or digit after the first starred (length kept)."""
    return token[0] + "".join("*" if ch.isalnum() else ch for ch in token[1:])


def _is_name_use(text: str, start: int, token: str) -> bool:
    """Whether a name-like word is capitalised in the middle of a sentence."""
    if _normalise(token) not in _NAMES or not token[:1].isupper():
        return False
    before = text[:start].rstrip()
    return bool(before) and not before.endswith((".", "!", "?", ":", "\n", '"', "“"))


def _profane_spans(text: str) -> list[tuple[int, int]]:
    tokens = list(_WORD.finditer(text))
    spans: list[tuple[int, int]] = []
    phrases = _lists()[1]
    longest = max((len(p) for p in phrases), default=0)
    index = 0
    while index < len(tokens):
        # Multi-word entries first ("bull shit"), each of their words masked.
        matched = 0
        for size in range(min(longest, len(tokens) - index), 1, -1):
            key = tuple(_normalise(t.group(0)) for t in tokens[index : index + size])
            if key in phrases:
                matched = size
                break
        if matched:
            spans.extend(t.span() for t in tokens[index : index + matched])
            index += matched
            continue
        token = tokens[index]
        index += 1
        if _is_name_use(text, token.start(), token.group(0)):
            continue
        if _is_profane_word(_normalise(token.group(0))):
            spans.append(token.span())
            continue
        # A hyphenated compound not listed as a whole ("God-damned"): mask only its profane parts.
        for part in _PART.finditer(token.group(0)):
            if len(part.group(0)) > 2 and _is_profane_word(_normalise(part.group(0))):
                spans.append((token.start() + part.start(), token.start() + part.end()))
    return spans


def mask_profanity(text: str) -> str:
    """``text`` with profane words masked, first letter and length kept.

    Args:
        text: Any text (a word, a line, a transcript).

    Returns:
        The same text; e.g. ``"What the fuck, Scunthorpe"`` → ``"What the f***, Scunthorpe"``.
    """
    spans = _profane_spans(text)
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(_mask(text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def contains_profanity(text: str) -> bool:
    """Whether :func:`mask_profanity` would change ``text``."""
    return bool(_profane_spans(text))

"""Profanity masking for ``enableProfanityRemoval``: first letter kept, the rest starred.

Matches whole words only (case-insensitive), so "Scunthorpe" or "assessment" are left alone.
"""

from __future__ import annotations

import re

__all__ = ["PROFANE_WORDS", "contains_profanity", "mask_profanity"]

PROFANE_WORDS = frozenset({
    "fuck", "fucks", "fucked", "fucking", "fucker", "motherfucker", "shit", "shits", "shitty", "bullshit",
    "damn", "damned", "goddamn", "bitch", "bitches", "bastard", "bastards", "asshole", "assholes", "ass",
    "crap", "dick", "dicks", "piss", "pissed", "cunt", "cunts", "wanker", "bollocks", "prick", "slut",
    "whore", "douche", "douchebag", "twat", "hell",
})
_WORD = re.compile(r"[A-Za-z']+")


def _mask(match: re.Match[str]) -> str:
    word = match.group(0)
    core = word.lower().strip("'")
    if core in PROFANE_WORDS:
        return word[0] + "*" * (len(word) - 1)
    return word


def mask_profanity(text: str) -> str:
    """``text`` with profane words masked (``damn`` -> ``d***``)."""
    return _WORD.sub(_mask, text)


def contains_profanity(text: str) -> bool:
    return any(m.group(0).lower().strip("'") in PROFANE_WORDS for m in _WORD.finditer(text))

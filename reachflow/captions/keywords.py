"""Keywords from a transcript, for the entry's tags (``enableMetadataExtraction``).

YAKE (statistical, no model, works offline) proposes single words and phrases of up to three
words when the ``yake`` package is installed; otherwise a term-frequency ranking of content words
is used. Only topical candidates become tags (said at least twice, or rare in the language by
wordfreq), greetings and forms of address are removed first, and short transcripts get fewer tags.
Tags are lower case, never carry a comma (Kaltura tags are comma-separated), a stopword, a
number or profanity.
"""

from __future__ import annotations

import re
from collections import Counter

from reachflow.captions.profanity import contains_profanity

__all__ = ["STOPWORDS", "extract_keywords", "merge_tags"]

# Fillers and spoken-language words that YAKE's lists miss but that make poor tags.
_SPOKEN = set(
    """also lot lots want need going gonna wanna okay ok yeah yes um uh like really thing things get got
    know make made see said say says way even still every new use used today thank thanks welcome one
    two three four five six seven eight nine ten many much well actually basically right let lets let's
    kind sort maybe probably just good morning afternoon evening hello everyone everybody guys folks
    bye goodbye tonight tomorrow yesterday please sure great nice""".split()
)
STOPWORDS: dict[str, set[str]] = {
    "en": set(
        """a about above after again against all am an and any are as at be because been before being below
        between both but by can could did do does doing down during each few for from further had has have
        having he her here hers herself him himself his how i if in into is it its itself me more most my
        myself no nor not now of off on once only or other our ours ourselves out over own same she should
        so some such than that the their theirs them themselves then there these they this those through
        to too under until up very was we were what when where which while who whom why will with would you
        your yours yourself yourselves""".split()
    )
    | _SPOKEN,
    "es": set(
        """el la los las un una unos unas y o de del al a en con por para que es son fue ser se su sus
    lo le les como más pero muy ya este esta estos estas eso esa ese hay""".split()
    ),
    "fr": set(
        """le la les un une des et ou de du au aux en dans avec pour par que qui est sont été être se
    sa son ses ce cette ces il elle ils elles nous vous je tu pas plus mais très""".split()
    ),
    "de": set(
        """der die das ein eine und oder von zu mit für auf ist sind war sein sich sie er es wir ihr
    ich du nicht mehr aber sehr den dem des im am""".split()
    ),
}
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_MIN_LENGTH = 3


def _acceptable(keyword: str, stop: set[str]) -> bool:
    parts = keyword.split()
    if not parts or any(len(p) < 2 for p in parts):
        return False
    if len(keyword) < _MIN_LENGTH or any(ch.isdigit() for ch in keyword):
        return False
    if parts[0] in stop or parts[-1] in stop or (len(parts) == 1 and parts[0] in stop):
        return False
    return not contains_profanity(keyword)


def _yake(text: str, count: int, language: str, n: int = 2) -> list[str] | None:
    try:
        import yake
    except ImportError:
        return None
    extractor = yake.KeywordExtractor(lan=language or "en", n=n, dedup_lim=0.9, top=count)
    return [str(phrase) for phrase, _score in extractor.extract_keywords(text)]


def _term_frequency(text: str, count: int, stop: set[str]) -> list[str]:
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for index, match in enumerate(_WORD.finditer(text)):
        word = match.group(0).strip("'’-").lower()
        if len(word) < 4 or word in stop:
            continue
        counts[word] += 1
        first_seen.setdefault(word, index)
    return sorted(counts, key=lambda w: (-counts[w], first_seen[w]))[:count]


# Greetings, thanks and forms of address: what a talk opens and closes with, never its topic.
_GREETINGS: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\b(?:good\s+(?:morning|afternoon|evening|night|day)|hello|hi|hey|welcome(?:\s+back)?|thank\s+you"
        r"(?:\s+(?:all|very\s+much|so\s+much|for\s+(?:listening|watching|coming|your\s+attention)))?|thanks"
        r"|goodbye|bye|see\s+you(?:\s+(?:next\s+(?:time|week)|soon|later))?)\b"
        r"(?:[\s,]+(?:everyone|everybody|all|class|students|folks|guys|team|ladies\s+and\s+gentlemen))?",
        re.IGNORECASE,
    ),
    "es": re.compile(r"\b(?:buen(?:os|as)\s+(?:días|tardes|noches)|hola|bienvenid[oa]s?|gracias|adiós)\b", re.I),
    "fr": re.compile(
        r"\b(?:bonjour|bonsoir|salut|bienvenue|merci(?:\s+de\s+votre\s+attention)?|au\s+revoir)\b"
        r"(?:\s+à\s+tous)?",
        re.I,
    ),
    "de": re.compile(r"\b(?:guten\s+(?:morgen|tag|abend)|hallo|willkommen|danke(?:\s+schön)?|tschüss)\b", re.I),
}
_COMMON_ZIPF = 4.0  # a word said once is a tag only if rarer than this (once per 10,000 words)


def _zipf(word: str, language: str) -> float:
    try:
        from wordfreq import zipf_frequency
    except ImportError:
        return 4.5
    try:
        return float(zipf_frequency(word, language))
    except (LookupError, ValueError):
        return 4.5


def _stem(word: str) -> str:
    """Plural folded for duplicate detection only ("caption" / "captions")."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _count(phrase: str, spoken: str) -> int:
    return len(re.findall(rf"(?<!\w){re.escape(phrase)}(?!\w)", spoken))


def extract_keywords(text: str, max_keywords: int = 8, language: str = "en") -> list[str]:
    """Up to ``max_keywords`` topical tags for a transcript, best first.

    Greetings, thanks and forms of address ("Good morning, students", "thank you") are removed
    before ranking. Candidates (YAKE, single words up to three-word phrases) must be topical: said
    at least twice, or rarer than once in 10,000 words of ordinary language (wordfreq), so "open",
    "short" or "project" said once in passing never become tags while "Kaltura" or "accessibility"
    do. They are ranked by how often they are said times how unusual their words are, phrases
    first when they are said as often as their words. Short transcripts get fewer tags: three
    plus one per hundred words, at most ``max_keywords``.

    Args:
        text: The transcript (unmasked words are fine: profane keywords are dropped).
        max_keywords: Most tags returned.
        language: ISO 639-1 code of the transcript; unknown languages use English stopwords.

    Returns:
        Lower-case keywords (single words or phrases of up to three words), no duplicates, no commas.
    """
    if max_keywords <= 0 or not text.strip():
        return []
    code = (language or "en").split("-")[0].lower()
    stop = STOPWORDS.get(code, STOPWORDS["en"]) | (_SPOKEN if code == "en" else set())
    greeting = _GREETINGS.get(code)
    content = greeting.sub(" . ", text) if greeting else text
    spoken = " ".join(m.group(0).lower() for m in _WORD.finditer(content))
    if not spoken:
        return []
    limit = min(max_keywords, 3 + len(spoken.split()) // 100)
    candidates = _yake(content, max_keywords * 4, code, n=3)
    if candidates is None:
        candidates = _term_frequency(content, max_keywords * 4, stop)
    scored: list[tuple[float, int, str]] = []
    seen: set[str] = set()
    for rank, candidate in enumerate(candidates):
        keyword = " ".join(candidate.replace(",", " ").lower().strip(" '’-\"").split())
        parts = keyword.split()
        stem = " ".join(_stem(p) for p in parts)
        if stem in seen or not _acceptable(keyword, stop) or any(p in stop for p in parts):
            continue
        seen.add(stem)
        said = _count(keyword, spoken)
        rarity = sum(max(0.5, 7.0 - _zipf(p, code)) for p in parts) / len(parts)
        if said < 2 and (len(parts) > 1 or 7.0 - rarity >= _COMMON_ZIPF):
            continue  # said once: a phrase is two neighbouring words, a common word is in passing
        scored.append((said * rarity * (1.0 + 0.3 * (len(parts) - 1)), -rank, keyword))
    scored.sort(reverse=True)
    keywords: list[str] = []
    for _score, _rank, keyword in scored:
        # A word only ever said inside a chosen phrase adds nothing ("recognition" of "speech recognition").
        if any(keyword != k and _count(keyword, k) and _count(keyword, spoken) <= _count(k, spoken) for k in keywords):
            continue
        keywords = [k for k in keywords if not (_count(k, keyword) and _count(k, spoken) <= _count(keyword, spoken))]
        keywords.append(keyword)
        if len(keywords) == limit:
            break
    return keywords


def merge_tags(existing: str, new: list[str]) -> str:
    """Kaltura tags (comma-separated) with ``new`` appended: no duplicates, existing order kept.

    Args:
        existing: The entry's ``tags`` ("" or None when it has none).
        new: Tags to add; commas inside a tag become spaces.

    Returns:
        The tags joined by commas, e.g. ``merge_tags("lecture,Captions", ["captions", "ai"])`` →
        ``"lecture,Captions,ai"``.
    """
    tags = [t.strip() for t in (existing or "").split(",") if t.strip()]
    seen = {t.lower() for t in tags}
    for tag in new:
        clean = " ".join(tag.replace(",", " ").split())
        if clean and clean.lower() not in seen:
            tags.append(clean)
            seen.add(clean.lower())
    return ",".join(tags)

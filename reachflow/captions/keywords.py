"""Keywords from a transcript, for the entry's tags (``enableMetadataExtraction``).

YAKE (statistical, no model, works offline) ranks single words and two-word phrases when the
``yake`` package is installed; otherwise a term-frequency ranking of content words is used.
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
    kind sort maybe probably just""".split()
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
    "es": set("""el la los las un una unos unas y o de del al a en con por para que es son fue ser se su sus
    lo le les como más pero muy ya este esta estos estas eso esa ese hay""".split()),
    "fr": set("""le la les un une des et ou de du au aux en dans avec pour par que qui est sont été être se
    sa son ses ce cette ces il elle ils elles nous vous je tu pas plus mais très""".split()),
    "de": set("""der die das ein eine und oder von zu mit für auf ist sind war sein sich sie er es wir ihr
    ich du nicht mehr aber sehr den dem des im am""".split()),
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


def _yake(text: str, count: int, language: str) -> list[str] | None:
    try:
        import yake
    except ImportError:
        return None
    extractor = yake.KeywordExtractor(lan=language or "en", n=2, dedup_lim=0.7, top=count)
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


def extract_keywords(text: str, max_keywords: int = 10, language: str = "en") -> list[str]:
    """Up to ``max_keywords`` tags for a transcript, best first.

    Args:
        text: The transcript (unmasked words are fine: profane keywords are dropped).
        max_keywords: Most tags returned.
        language: ISO 639-1 code of the transcript; unknown languages use English stopwords.

    Returns:
        Lower-case keywords (single words or two-word phrases), no duplicates, no commas.
    """
    if max_keywords <= 0 or not text.strip():
        return []
    code = (language or "en").split("-")[0].lower()
    stop = STOPWORDS.get(code, STOPWORDS["en"]) | (_SPOKEN if code == "en" else set())
    # Ask for more than needed: some candidates are filtered out below.
    candidates = _yake(text, max_keywords * 3, code)
    if candidates is None:
        candidates = _term_frequency(text, max_keywords * 3, stop)
    keywords: list[str] = []
    seen: set[str] = set()
    spoken = " ".join(m.group(0).lower() for m in _WORD.finditer(text))
    for candidate in candidates:
        keyword = " ".join(candidate.replace(",", " ").lower().strip(" '’-\"").split())
        if keyword in seen or not _acceptable(keyword, stop):
            continue
        # A phrase said once is usually two neighbouring words ("students love"), not a term.
        if " " in keyword and len(re.findall(rf"\b{re.escape(keyword)}\b", spoken)) < 2:
            continue
        seen.add(keyword)
        keywords.append(keyword)
        if len(keywords) == max_keywords:
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

"""Keywords from a transcript, for the entry's tags (``enableMetadataExtraction``).

A frequency ranking of content words (no model, works offline in any language with a stopword
list; unknown languages fall back to the English list). Tags never carry commas or profanity.
"""

from __future__ import annotations

import re
from collections import Counter

from reachflow.captions.profanity import contains_profanity

__all__ = ["extract_keywords", "merge_tags"]

STOPWORDS = {
    "en": set("""a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just let like me more most
    my myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your yours yourself
    yourselves one two three four five six seven eight nine ten many much well really thing things get got going
    know make made see said say says way even still every new use used today thank thanks welcome okay yes
    also lot lots want need going gonna""".split()),
    "es": set("""el la los las un una unos unas y o de del al a en con por para que es son fue ser se su sus
    lo le les como más pero muy ya este esta estos estas eso esa ese hay""".split()),
    "fr": set("""le la les un une des et ou de du au aux en dans avec pour par que qui est sont été être se
    sa son ses ce cette ces il elle ils elles nous vous je tu pas plus mais très""".split()),
    "de": set("""der die das ein eine und oder von zu mit für auf ist sind war sein sich sie er es wir ihr
    ich du nicht mehr aber sehr den dem des im am""".split()),
}
_WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)


def extract_keywords(text: str, max_keywords: int = 10, language: str = "en") -> list[str]:
    stop = STOPWORDS.get(language, STOPWORDS["en"])
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for index, match in enumerate(_WORD.finditer(text)):
        word = match.group(0).strip("'-").lower()
        if len(word) < 4 or word in stop or contains_profanity(word):
            continue
        counts[word] += 1
        first_seen.setdefault(word, index)
    ranked = sorted(counts, key=lambda w: (-counts[w], first_seen[w]))
    return ranked[:max_keywords]


def merge_tags(existing: str, new: list[str]) -> str:
    """Kaltura tags (comma-separated) with ``new`` appended, no duplicates, existing order kept."""
    tags = [t.strip() for t in (existing or "").split(",") if t.strip()]
    seen = {t.lower() for t in tags}
    for tag in new:
        clean = tag.replace(",", " ").strip()
        if clean and clean.lower() not in seen:
            tags.append(clean)
            seen.add(clean.lower())
    return ",".join(tags)

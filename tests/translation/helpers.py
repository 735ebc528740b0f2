"""Helpers shared by the translation tests."""

from __future__ import annotations

# Words a Spanish / Portuguese / Catalan / English text cannot do without.
FUNCTION_WORDS = {
    "es": {"el", "la", "los", "las", "de", "del", "y", "que", "en", "un", "una", "es", "para", "por", "con", "al"},
    "pt": {"o", "a", "os", "as", "de", "do", "da", "e", "que", "em", "um", "uma", "é", "para", "com", "no", "na"},
    "ca": {
        "el",
        "la",
        "els",
        "les",
        "de",
        "del",
        "i",
        "que",
        "en",
        "un",
        "una",
        "és",
        "per",
        "amb",
        "al",
        "a",
        "ha",
        "es",
    },
    "en": {"the", "a", "an", "of", "and", "to", "in", "is", "that", "for", "with", "on", "at"},
}
TEXT_PAIRS = [("en", "es"), ("es", "en"), ("en", "ca"), ("ca", "en"), ("en", "pt"), ("pt", "en")]


def function_word_share(text: str, language: str) -> float:
    # Elided articles count as words of their own: "l'aplec" -> "l'", "aplec".
    words = [w.strip(".,;:!?¿¡\"'()").lower() for w in text.replace("'", "' ").split()]
    words = [w for w in words if w]
    return sum(w in FUNCTION_WORDS[language] for w in words) / max(len(words), 1)

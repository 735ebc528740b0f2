"""The REACH dictionary as a glossary: terms come out of every engine exactly as in the source."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from reachflow.translation import TranslationEngine
from reachflow.translation.glossary import glossary_pattern, glossary_terms, protect, restore, translate_protected
from tests.translation.helpers import TEXT_PAIRS

GLOSSARY = ["Kaltura Media Space", "Kaltura", "REACH", "webcast", "Dr. Ada Lovelace"]
SENTENCES = {
    "en": [
        "Open Kaltura Media Space and click the big button.",
        "We use REACH to order captions, and the captions reach us quickly.",
        "The Webcast starts at noon; the webcast ends at one.",
        "Thanks to Dr. Ada Lovelace (from Kaltura), the new player works.",
        "Is it REACH's fault? No, it is Kaltura's.",
        "KALTURA MEDIA SPACE, Kaltura, REACH: all in one sentence!",
    ],
    "es": ["Abra Kaltura Media Space y use REACH, por favor.", "El webcast de Kaltura empieza a las tres."],
    "pt": ["Abra o Kaltura Media Space e use REACH, por favor.", "O webcast da Kaltura começa às três."],
    "ca": ["Obriu Kaltura Media Space i feu servir REACH, si us plau.", "El webcast de Kaltura comença a les tres."],
}


def _terms_in(text: str) -> list[str]:
    pattern = glossary_pattern(GLOSSARY)
    assert pattern is not None
    return [m.group(0) for m in pattern.finditer(text)]


def test_terms_are_matched_longest_first_with_case_rules() -> None:
    text = "Kaltura Media Space, kaltura, KALTURA, REACH, reach, Reach, WEBCAST, Webcast, webcasts"
    assert _terms_in(text) == ["Kaltura Media Space", "KALTURA", "REACH", "WEBCAST", "Webcast"]
    assert glossary_terms("Kaltura, REACH\nKaltura;  Media   Space ") == ["Kaltura", "REACH", "Media Space"]
    assert glossary_pattern([]) is None and glossary_pattern(" , ") is None


def test_restore_finds_placeholders_the_engine_changed() -> None:
    p = protect("Open Kaltura Media Space and REACH, then Kaltura.", [glossary_pattern(GLOSSARY)])
    assert p.text == "Open ZXQ1 and ZXQ2, then ZXQ3."
    r = restore("Abra zxq1 y Zxq 2 , luego ZXQ 3.ZXQ9", p)
    assert r.text == "Abra Kaltura Media Space y REACH , luego Kaltura."
    assert r.missing == ()
    assert [r.text[a:b] for a, b in r.spans] == ["Kaltura Media Space", "REACH", "Kaltura"]
    lost = restore("Abra y luego ZXQ3 ZXQ3.", p)
    assert lost.missing == (1, 2) and lost.text == "Abra y luego Kaltura Kaltura."


def test_source_text_that_looks_like_a_placeholder_is_kept() -> None:
    p = protect("Code ZXQ1 is not Kaltura.", [glossary_pattern(GLOSSARY)])
    assert p.originals == ("ZXQ1", "Kaltura")
    assert restore(p.text, p).text == "Code ZXQ1 is not Kaltura."


@pytest.mark.parametrize("pair", TEXT_PAIRS)
def test_placeholders_survive_each_engine(
    pair: tuple[str, str], engines: dict[tuple[str, str], TranslationEngine]
) -> None:
    source, target = pair
    texts = SENTENCES[source]
    protected = [protect(t, [glossary_pattern(GLOSSARY)]) for t in texts]
    outputs = engines[pair].translate([p.text for p in protected], source, target)
    for p, out in zip(protected, outputs, strict=True):
        assert restore(out, p).missing == (), (p.text, out)


@pytest.mark.parametrize("pair", TEXT_PAIRS)
def test_terms_come_out_unchanged(pair: tuple[str, str], engines: dict[tuple[str, str], TranslationEngine]) -> None:
    source, target = pair
    texts = SENTENCES[source]
    engine = engines[pair]
    results = translate_protected(
        texts, lambda batch: engine.translate(batch, source, target), [glossary_pattern(GLOSSARY)]
    )
    for src, result in zip(texts, results, strict=True):
        assert result.missing == ()
        assert sorted(_terms_in(result.text)) == sorted(_terms_in(src)), (src, result.text)
        assert result.text != src
    if source == "en":
        # The verb "reach" is not the product: it is translated.
        assert "reach us" not in results[1].text


class _DropsPlaceholders:
    """A real engine behind a filter that loses every placeholder (what a neural engine can do)."""

    def __init__(self, engine: TranslationEngine) -> None:
        self.engine = engine
        self.name = f"lossy {engine.name}"

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        return self.engine.translate([re.sub(r"ZXQ\d+", "", t) for t in texts], source, target)


@pytest.mark.parametrize("pair", [("en", "es"), ("en", "pt")])
def test_a_term_the_engine_lost_is_put_back(
    pair: tuple[str, str], engines: dict[tuple[str, str], TranslationEngine]
) -> None:
    source, target = pair
    lossy = _DropsPlaceholders(engines[pair])
    texts = [
        "Open Kaltura Media Space and click the big button.",
        "Thanks to Dr. Ada Lovelace (from Kaltura), it works.",
    ]
    results = translate_protected(texts, lambda b: lossy.translate(b, source, target), [glossary_pattern(GLOSSARY)])
    for src, result in zip(texts, results, strict=True):
        assert sorted(_terms_in(result.text)) == sorted(_terms_in(src)), result.text
        assert [result.text[a:b] for a, b in result.spans] == _terms_in(src)
    assert "(from Kaltura)" not in results[1].text  # the rest is translated

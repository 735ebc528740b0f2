"""Translated cues: one per source cue on the same times, lines re-broken, nothing lost."""

from __future__ import annotations

import pytest

from reachflow.asr.synthetic import ENGLISH_SENTENCES
from reachflow.captions.model import CaptionStyle, Cue, Word
from reachflow.captions.quality import style_findings
from reachflow.captions.segment import build_cues
from reachflow.translation import TranslationEngine, translate_cues
from reachflow.translation.glossary import glossary_pattern
from tests.translation.helpers import function_word_share

STYLE = CaptionStyle(max_chars_per_line=32)


def _words(sentences: list[str], speakers: list[int] | None = None) -> list[Word]:
    words: list[Word] = []
    t = 0.0
    for k, sentence in enumerate(sentences):
        for w in sentence.split():
            words.append(Word(t, t + 0.3, w, 1.0, speakers[k] if speakers else None))
            t += 0.36
        t += 0.8
    return words


@pytest.fixture(scope="module")
def source_cues() -> list[Cue]:
    cues = build_cues(_words(list(ENGLISH_SENTENCES[:12])), STYLE)
    assert len(cues) > 12  # sentences span cues
    return cues


def _same_frame(source: list[Cue], target: list[Cue]) -> None:
    assert len(target) == len(source)
    for s, t in zip(source, target, strict=True):
        assert (t.start, t.end, t.speaker, t.kind) == (s.start, s.end, s.speaker, s.kind)


def _line_rules(target: list[Cue], style: CaptionStyle) -> None:
    for cue in target:
        assert 1 <= len(cue.lines) <= style.max_lines, cue
        if len(cue.text) <= style.max_chars_per_line * style.max_lines - 8:
            assert all(len(line) <= style.max_chars_per_line for line in cue.lines if " " in line), cue


@pytest.mark.parametrize("pair", [("en", "es"), ("en", "ca"), ("en", "pt")])
@pytest.mark.parametrize("context", ["sentence", "cue"])
def test_one_target_cue_per_source_cue_in_the_target_language(
    pair: tuple[str, str], context: str, source_cues: list[Cue], engines: dict[tuple[str, str], TranslationEngine]
) -> None:
    source, target = pair
    out = translate_cues(
        source_cues,
        engines[pair],
        source=source,
        target=target,
        glossary=[],
        style=STYLE,
        context=context,  # type: ignore[arg-type]
    )
    _same_frame(source_cues, out)
    _line_rules(out, STYLE)
    assert all(cue.text.strip() for cue in out)
    joined = " ".join(cue.text for cue in out)
    assert function_word_share(joined, target) > 0.2, joined
    assert joined != " ".join(c.text for c in source_cues)
    findings = style_findings(out, STYLE)  # reading-rate findings for the job report
    assert findings.cues == len(source_cues) and findings.overlaps == 0


@pytest.mark.parametrize("pair", [("en", "es"), ("en", "pt")])
def test_no_word_is_lost_when_sentences_are_shared_out(
    pair: tuple[str, str], engines: dict[tuple[str, str], TranslationEngine]
) -> None:
    """Each sentence spans two cues: the two target cues together are exactly its translation."""
    source, target = pair
    halves = [
        ("Our engineers moved the transcoding service", "to a new cluster last month."),
        ("The students asked for better captions", "on every lecture recording."),
        ("Welcome back to the channel, today", "we are going to talk about climate change."),
    ]
    cues = []
    t = 0.0
    for first, second in halves:
        cues.append(Cue(t, t + 2.0, (first,)))
        cues.append(Cue(t + 2.0, t + 4.0, (second,)))
        t += 5.0
    engine = engines[pair]
    out = translate_cues(cues, engine, source=source, target=target, glossary=[], style=STYLE)
    whole = engine.translate([f"{a} {b}" for a, b in halves], source, target)
    for k, translation in enumerate(whole):
        assert f"{out[2 * k].text} {out[2 * k + 1].text}".split() == translation.split()
        assert out[2 * k].text and out[2 * k + 1].text
    # Cue by cue, each cue is the translation of its own text.
    alone = translate_cues(cues, engine, source=source, target=target, glossary=[], style=STYLE, context="cue")
    expected = engine.translate([c.text for c in cues], source, target)
    assert [c.text for c in alone] == [" ".join(e.split()) for e in expected]


def test_sound_cues_and_speaker_labels_are_kept(engines: dict[tuple[str, str], TranslationEngine]) -> None:
    cues = [
        Cue(0.0, 2.0, ("[Speaker 1] Good morning", "and welcome."), speaker=1),
        Cue(2.0, 5.0, ("[MUSIC]",), kind="sound"),
        Cue(5.0, 7.0, (">> [Speaker 2] The meeting starts", "at three o'clock."), speaker=2),
        Cue(7.0, 9.0, ("♪ ♪",)),
        Cue(9.0, 11.0, ("[laughs] That is fine.",), speaker=2),
    ]
    out = translate_cues(cues, engines[("en", "es")], source="en", target="es", glossary=[], style=STYLE)
    _same_frame(cues, out)
    assert out[1] == cues[1] and out[3] == cues[3]
    assert out[0].lines[0].startswith("[Speaker 1] ") and "Buenos" in out[0].text
    assert out[2].lines[0].startswith(">> [Speaker 2] ") and "reunión" in out[2].text
    assert out[4].text.startswith("[laughs] ")


def test_an_over_long_cue_keeps_every_word_on_two_lines(engines: dict[tuple[str, str], TranslationEngine]) -> None:
    style = CaptionStyle(max_chars_per_line=20)
    text = "Our engineers moved the transcoding service to a new cluster in the data center last month."
    cues = [Cue(0.0, 4.0, (text,))]
    engine = engines[("en", "es")]
    out = translate_cues(cues, engine, source="en", target="es", glossary=[], style=style)
    assert len(out[0].lines) == 2
    assert out[0].text.split() == engine.translate([text], "en", "es")[0].split()
    assert style_findings(out, style).lines_over_limit > 0  # reported, not hidden


@pytest.mark.parametrize("pair", [("en", "es"), ("en", "ca"), ("en", "pt"), ("es", "en"), ("pt", "en")])
def test_glossary_terms_come_out_unchanged_in_cues(
    pair: tuple[str, str], engines: dict[tuple[str, str], TranslationEngine]
) -> None:
    source, target = pair
    glossary = ["Kaltura Media Space", "REACH", "Kaltura"]
    if source == "en":
        texts = ["Open Kaltura Media Space, then", "order captions with REACH.", "Kaltura's player is new."]
    elif source == "es":
        texts = ["Abra Kaltura Media Space y", "pida subtítulos con REACH.", "El reproductor de Kaltura es nuevo."]
    else:
        texts = ["Abra o Kaltura Media Space e", "peça legendas com REACH.", "O player da Kaltura é novo."]
    cues = [Cue(2.0 * k, 2.0 * k + 2.0, (t,)) for k, t in enumerate(texts)]
    for context in ("sentence", "cue"):
        out = translate_cues(
            cues,
            engines[pair],
            source=source,
            target=target,
            glossary=glossary,
            style=STYLE,
            context=context,  # type: ignore[arg-type]
        )
        pattern = glossary_pattern(glossary)
        assert pattern is not None
        found = [m.group(0) for c in out for m in pattern.finditer(c.text)]
        assert sorted(found) == ["Kaltura", "Kaltura Media Space", "REACH"], [c.text for c in out]
        # A multi-word term is never split over two lines.
        assert not any(line.endswith("Kaltura") and "Media Space" in out[0].text for line in out[0].lines[:-1])


def test_no_cues() -> None:
    from reachflow.translation import engine_for

    engine = engine_for("en", "es")
    assert engine is not None
    assert translate_cues([], engine, source="en", target="es", glossary=["X"], style=STYLE) == []


def test_a_dialogue_cue_keeps_one_line_per_speaker(engines: dict[tuple[str, str], TranslationEngine]) -> None:
    cues = [
        Cue(0.0, 2.0, ("- Where is the meeting?", "- In the main room.")),
        Cue(2.0, 4.0, ("We start at three o'clock.",)),
    ]
    for pair in [("en", "es"), ("en", "pt")]:
        out = translate_cues(cues, engines[pair], source="en", target=pair[1], glossary=[], style=STYLE)
        _same_frame(cues, out)
        assert len(out[0].lines) == 2 and all(line.startswith("- ") for line in out[0].lines), out[0]
        assert "meeting" not in out[0].text and "room" not in out[0].text

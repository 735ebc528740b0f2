"""Properties of the pure parts: sharing words out over cues, laying out lines, placeholders."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reachflow.captions.model import CaptionStyle
from reachflow.translation.cues import distribute, layout_lines
from reachflow.translation.glossary import glossary_pattern, protect, restore

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéñç.,?'-", min_size=1, max_size=14).filter(
    lambda w: w.strip(".,?'-")
)
WORDS = st.lists(WORD, min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(WORDS, st.lists(st.floats(min_value=0.0, max_value=100.0), min_size=1, max_size=6), st.integers(10, 50))
def test_distribute_keeps_every_word_once_in_order(words: list[str], weights: list[float], width: int) -> None:
    style = CaptionStyle(max_chars_per_line=width)
    shared = distribute(words, weights, style, "es")
    if len(words) < len(weights):
        assert shared is None
        return
    assert shared is not None and len(shared) == len(weights)
    assert all(part for part in shared)
    assert [w for part in shared for w in part] == words


@settings(max_examples=200, deadline=None)
@given(WORDS, st.integers(8, 50), st.sampled_from(["en", "es", "pt", "ca", "xx"]))
def test_layout_keeps_every_word_in_two_lines(words: list[str], width: int, language: str) -> None:
    style = CaptionStyle(max_chars_per_line=width)
    lines = layout_lines(words, style, language)
    assert 1 <= len(lines) <= 2
    assert " ".join(lines).split() == " ".join(words).split()
    if sum(len(w) + 1 for w in words) - 1 <= width:
        assert len(lines) == 1


TERMS = ["Kaltura Media Space", "REACH", "webcast", "C++", "Dr. Ada"]
TEXT = st.lists(
    st.one_of(st.sampled_from([*TERMS, "ZXQ1", "zxq", "reach", "Kaltura", "(", ")", ",", "."]), WORD), max_size=30
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_protect_then_restore_gives_the_text_back(text: str) -> None:
    protected = protect(text, [glossary_pattern(TERMS)])
    restored = restore(protected.text, protected)
    assert restored.missing == ()
    assert restored.text == " ".join(text.split())
    assert [restored.text[a:b] for a, b in restored.spans] == list(protected.originals)

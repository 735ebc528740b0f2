"""Invariants of cue building over random word timings (hypothesis)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from reachflow.captions.formats import parse_captions, render_dfxp, render_srt, render_vtt
from reachflow.captions.model import CaptionStyle, Cue, NonSpeech, Word
from reachflow.captions.segment import build_cues
from tests.captions.wordgen import shown_words

WORD_TEXT = st.text(alphabet="abcdefghijklmnop", min_size=1, max_size=14).map(
    lambda w: w  # plain words; punctuation added below
)
PUNCTUATION = st.sampled_from(["", "", "", ",", ".", "?"])


@st.composite
def timed_words(draw: st.DrawFn) -> list[Word]:
    raw = draw(
        st.lists(
            st.tuples(WORD_TEXT, PUNCTUATION, st.floats(0.0, 2.5), st.floats(0.0, 1.0), st.integers(0, 2)),
            min_size=1,
            max_size=60,
        )
    )
    words, t = [], draw(st.floats(0.0, 5.0))
    for text, mark, gap, length, speaker in raw:
        t += gap
        words.append(Word(round(t, 3), round(t + length, 3), text + mark, 0.9, speaker))
        t += length * draw(st.sampled_from([1.0, 0.5]))  # sometimes the next word overlaps
    return words


STYLES = st.builds(
    CaptionStyle,
    max_chars_per_line=st.integers(12, 42),
    max_lines=st.integers(1, 3),
    speaker_ids=st.booleans(),
    speaker_change=st.booleans(),
    audio_tags=st.booleans(),
    min_gap=st.sampled_from([0.0, 0.083]),
)


def check_invariants(cues: list[Cue], words: list[Word], style: CaptionStyle) -> None:
    ordered = sorted(words, key=lambda w: (w.start, w.end))
    assert shown_words(cues) == [w.text for w in ordered]  # every word once, in order
    for a, b in itertools.pairwise(cues):
        assert a.end <= b.start and a.start < b.start  # no overlaps
    for cue in cues:
        assert cue.end > cue.start
        assert cue.duration <= style.max_duration + 1e-9
        assert 1 <= len(cue.lines) <= style.max_lines
        for line in cue.lines:
            # Only a single word (possibly after a label) may be longer than the line.
            assert len(line) <= style.max_chars_per_line or len([t for t in line.split() if t not in (">>",)]) <= 3


@settings(max_examples=120, deadline=None)
@given(timed_words(), STYLES, st.lists(st.tuples(st.floats(0, 60), st.floats(0.2, 8)), max_size=4))
def test_cue_invariants(words: list[Word], style: CaptionStyle, regions: list[tuple[float, float]]) -> None:
    non_speech = [NonSpeech(start, start + length, "music") for start, length in regions]
    cues = build_cues(words, style, non_speech)
    check_invariants(cues, words, style)
    if style.max_lines >= 2 and style.max_chars_per_line >= 32:
        # With room for labels, lines longer than the limit hold a single word.
        for cue in cues:
            for line in cue.lines:
                if len(line) > style.max_chars_per_line:
                    assert len([t for t in line.split() if not t.startswith(("[", ">>")) and not t.endswith("]")]) == 1


@settings(max_examples=40, deadline=None)
@given(timed_words())
def test_minimum_duration_holds_when_there_is_room(words: list[Word]) -> None:
    style = CaptionStyle()
    cues = build_cues(words, style)
    for a, b in itertools.pairwise(cues):
        if b.start - a.start >= style.min_duration + 0.5:
            assert a.duration >= style.min_duration - 0.001 or a.end == b.start


@settings(max_examples=40, deadline=None)
@given(timed_words())
def test_render_parse_round_trip(words: list[Word]) -> None:
    cues = build_cues(words, CaptionStyle(speaker_ids=True))
    for render in (render_srt, render_vtt, render_dfxp):
        _, parsed = parse_captions(render(cues))
        assert [(c.start, c.end, c.lines) for c in parsed] == [(c.start, c.end, c.lines) for c in cues]

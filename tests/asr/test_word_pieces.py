"""Words from Whisper's word pieces: numbers, decimals, hyphenated and apostrophe forms stay whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reachflow.asr.base import WordPiece, join_word_pieces


def _pieces(texts: list[str], start: float = 0.0, probability: float = 0.9) -> list[WordPiece]:
    return [WordPiece(start + i * 0.3, start + i * 0.3 + 0.25, t, probability) for i, t in enumerate(texts)]


def test_the_reported_splits_are_joined() -> None:
    # What faster-whisper 1.2.1 (tiny.en) returned for a Piper sentence here, piece by piece.
    pieces = [
        " The",
        " grant",
        " was",
        " $45",
        ",000",
        " and",
        " 1",
        ",200",
        " students",
        " joined,",
        " a",
        " 12",
        ".5",
        "%",
        " rise",
        " since",
        " 2023.",
    ]
    words = join_word_pieces([_pieces(pieces)], "en")
    assert [w.text for w in words] == [
        "The",
        "grant",
        "was",
        "$45,000",
        "and",
        "1,200",
        "students",
        "joined,",
        "a",
        "12.5%",
        "rise",
        "since",
        "2023.",
    ]
    hyphen = join_word_pieces([_pieces([" The", " post", "-rescue", " team", "'s", " report."])], "en")
    assert [w.text for w in hyphen] == ["The", "post-rescue", "team's", "report."]


def test_a_joined_word_spans_its_pieces_and_keeps_the_lowest_probability() -> None:
    pieces = [WordPiece(1.0, 1.4, " $45", 0.9), WordPiece(1.4, 1.9, ",000", 0.6), WordPiece(2.0, 2.3, " and", 0.95)]
    first, second = join_word_pieces([pieces], "en")
    assert (first.start, first.end, first.text, first.probability) == (1.0, 1.9, "$45,000", 0.6)
    assert second.text == "and"


def test_a_segment_that_opens_with_a_continuation_joins_the_previous_word() -> None:
    seg1 = [WordPiece(0.0, 0.3, " It", 0.9), WordPiece(0.3, 0.8, " cost $45", 0.9)]
    seg2 = [WordPiece(0.85, 1.2, ",000.", 0.9), WordPiece(1.3, 1.6, " Then", 0.9)]
    assert [w.text for w in join_word_pieces([seg1, seg2], "en")] == ["It", "cost $45,000.", "Then"]
    # A new segment's ordinary first word never joins, even without a leading space.
    seg3 = [WordPiece(5.0, 5.3, "Next", 0.9)]
    assert [w.text for w in join_word_pieces([seg1, seg3], "en")][-1] == "Next"
    # Nor does a continuation after a long pause.
    late = [WordPiece(3.0, 3.2, ",000", 0.9)]
    assert [w.text for w in join_word_pieces([seg1, late], "en")][-1] == ",000"


def test_languages_without_spaces_keep_every_piece() -> None:
    pieces = _pieces(["我们", "今天", "讨论", "字幕", "。"])
    assert [w.text for w in join_word_pieces([pieces], "zh")] == ["我们", "今天", "讨论", "字幕", "。"]
    assert len(join_word_pieces([_pieces(["今日", "は", "晴れ"])], "ja-JP")) == 3


# A Whisper-like stream: each word is cut into pieces; the first carries the leading space, the
# others do not, and punctuation can be a piece of its own (",000", ".5", "%", "-rescue", "'s").
_WORD = st.text(alphabet=st.sampled_from("abcxyzABC0123456789$,.%'-"), min_size=1, max_size=9).filter(
    lambda w: any(c.isalnum() for c in w)
)


@st.composite
def _stream(draw: st.DrawFn) -> tuple[list[str], list[list[WordPiece]]]:
    words = draw(st.lists(_WORD, min_size=1, max_size=25))
    segments: list[list[WordPiece]] = [[]]
    t = 0.0
    for word in words:
        cuts = sorted(draw(st.sets(st.integers(1, max(1, len(word) - 1)), max_size=3))) if len(word) > 1 else []
        parts = [word[a:b] for a, b in zip([0, *cuts], [*cuts, len(word)], strict=True) if word[a:b]]
        if segments[-1] and draw(st.booleans()) and draw(st.booleans()):
            segments.append([])  # a new segment starts at a word boundary
        for k, part in enumerate(parts):
            text = (" " + part) if k == 0 else part
            p = draw(st.floats(0.0, 1.0))
            segments[-1].append(WordPiece(t, t + 0.1, text, p))
            t += 0.12
        t += draw(st.floats(0.0, 1.0))
    return words, segments


@settings(max_examples=300, deadline=None)
@given(_stream())
def test_joined_words_are_the_spoken_words(stream: tuple[list[str], list[list[WordPiece]]]) -> None:
    words, segments = stream
    joined = join_word_pieces(segments, "en")
    assert [w.text for w in joined] == words
    pieces = [p for seg in segments for p in seg]
    starts = [w.start for w in joined]
    assert starts == sorted(starts)
    assert joined[0].start == pieces[0].start and joined[-1].end == pieces[-1].end
    for w in joined:
        inside = [p for p in pieces if w.start <= p.start and p.end <= w.end]
        assert inside and w.probability == min(p.probability for p in inside)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(min_size=0, max_size=6), max_size=8), max_size=6))
def test_any_piece_stream_keeps_every_character(segments_text: list[list[str]]) -> None:
    segments = [_pieces(texts, start=10.0 * i) for i, texts in enumerate(segments_text)]
    joined = join_word_pieces(segments, "en")
    assert "".join("".join(w.text.split()) for w in joined) == "".join(
        "".join(t.split()) for seg in segments_text for t in seg
    )
    assert all(w.text and w.text == w.text.strip() for w in joined)

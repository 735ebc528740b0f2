"""The caption core: cue rules, formats checked by independent parsers, submissions, keywords."""

from __future__ import annotations

import io

import pysubs2
import pytest
import webvtt
from hypothesis import given, settings
from hypothesis import strategies as st
from xml.etree import ElementTree as ET

from reachflow.captions.formats import CaptionParseError, parse_captions, render_dfxp, render_srt, render_vtt
from reachflow.captions.keywords import extract_keywords, merge_tags
from reachflow.captions.model import CaptionStyle, NonSpeech, Word
from reachflow.captions.profanity import mask_profanity
from reachflow.captions.quality import style_findings, validate_submission
from reachflow.captions.segment import break_lines, build_cues


def words_from(text: str, start: float = 0.0, step: float = 0.35, speaker: int | None = None) -> list[Word]:
    return [Word(start + i * step, start + i * step + 0.3, w, 0.9, speaker) for i, w in enumerate(text.split())]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="abcdefghij", min_size=1, max_size=14), st.floats(0.05, 1.2)),
                min_size=1, max_size=80), st.integers(20, 42))
def test_cue_invariants(raw: list[tuple[str, float]], width: int) -> None:
    words, t = [], 0.0
    for text, gap in raw:
        words.append(Word(t, t + 0.25, text))
        t += 0.25 + gap
    cues = build_cues(words, CaptionStyle(max_chars_per_line=width))
    assert " ".join(" ".join(c.lines) for c in cues).split() == [w.text for w in words]  # all, once, in order
    for a, b in zip(cues, cues[1:]):
        assert a.end <= b.start + 1e-9  # no overlaps
    for cue in cues:
        assert len(cue.lines) <= 2 and cue.end > cue.start
        for line in cue.lines:
            assert len(line) <= width or " " not in line  # a long single word stands alone


def test_lines_are_balanced_and_do_not_end_on_weak_words() -> None:
    lines = break_lines("the quick brown fox jumps over the lazy dog near the river".split(), 32)
    assert lines is not None and len(lines) == 2
    assert abs(len(lines[0]) - len(lines[1])) <= 10
    assert lines[0].split()[-1].lower() != "the"


def test_short_cues_extend_into_silence_and_long_speech_splits() -> None:
    cues = build_cues([Word(0.0, 0.2, "Hi.")], CaptionStyle())
    assert cues[0].end - cues[0].start >= 5 / 6 - 1e-6
    long = build_cues(words_from("word " * 60, step=0.5), CaptionStyle())
    assert max(c.end - c.start for c in long) <= 7.0 + 1e-6


def test_speaker_labels_and_change_marks() -> None:
    words = words_from("Good morning everyone.", speaker=1) + words_from("Thank you all.", start=3.0, speaker=2)
    ids = build_cues(words, CaptionStyle(speaker_ids=True))
    assert ids[0].lines[0].startswith("[Speaker 1]") and any(c.lines[0].startswith("[Speaker 2]") for c in ids)
    change = build_cues(words, CaptionStyle(speaker_change=True))
    assert not change[0].lines[0].startswith(">>") and any(c.lines[0].startswith(">> ") for c in change)


def test_audio_tags_fill_non_speech_without_overlapping_speech() -> None:
    cues = build_cues(words_from("Hello there.", start=5.0), CaptionStyle(audio_tags=True), [NonSpeech(0.0, 4.5, "music")])
    assert cues[0].lines == ("[MUSIC]",) and cues[0].end <= cues[1].start


def test_profanity_is_masked_on_whole_words_only() -> None:
    assert mask_profanity("This is bullshit, damn it") == "This is b*******, d*** it"
    assert mask_profanity("Scunthorpe assessment hello") == "Scunthorpe assessment hello"


def test_formats_parse_with_independent_parsers() -> None:
    cues = build_cues(words_from("The quick brown fox. It jumps over the lazy dog & runs <away>."), CaptionStyle())
    srt = pysubs2.SSAFile.from_string(render_srt(cues), format_="srt")
    assert len(srt) == len(cues)
    vtt = list(webvtt.read_buffer(io.StringIO(render_vtt(cues))))
    assert len(vtt) == len(cues) and "&" in " ".join(c.text for c in vtt)
    root = ET.fromstring(render_dfxp(cues, "en").encode())
    assert root.tag == "{http://www.w3.org/ns/ttml}tt"
    assert len(list(root.iter("{http://www.w3.org/ns/ttml}p"))) == len(cues)
    for text in (render_srt(cues), render_vtt(cues), render_dfxp(cues)):
        _, parsed = parse_captions(text)
        assert [c.lines for c in parsed] == [c.lines for c in cues]


@pytest.mark.parametrize(("text", "problem"), [
    ("1\n00:00:01,000 --> 00:00:00,500\nHi\n", "ends before it starts"),
    ("1\n00:00:01 -> 00:00:02\nHi\n", "line 2"),
    ("1\n00:00:01,000 --> 00:00:02,000\n", "no text"),
    ("", "empty"),
])
def test_bad_submissions_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(CaptionParseError, match=problem):
        parse_captions(text)


def test_submission_checks_and_findings() -> None:
    _, cues = parse_captions("1\n00:00:00,000 --> 00:00:03,000\nA line that is far too long for the forty-two limit\n\n"
                             "2\n00:00:02,500 --> 00:00:50,000\nLate\n")
    problems = validate_submission(cues, CaptionStyle(), media_duration=10.0)
    assert any("characters" in p for p in problems) and any("overlap" in p for p in problems)
    assert any("outside the media" in p for p in problems)
    findings = style_findings(cues, CaptionStyle(), media_duration=10.0)
    assert findings["overlapping cues"] == 1 and findings["cues past the end of the media"] == 1


def test_keywords_and_tag_merging() -> None:
    keywords = extract_keywords("Captions captions help students. Students love captions, damn right.")
    assert keywords[:2] == ["captions", "students"] and "damn" not in keywords
    assert merge_tags("lecture,Captions", ["captions", "students", "a,b"]) == "lecture,Captions,students,a b"

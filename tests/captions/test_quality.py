"""Style findings for reports, and the checks a human's corrected captions must pass."""

from __future__ import annotations

import itertools

from reachflow.captions.formats import parse_captions
from reachflow.captions.model import CaptionStyle, Cue, NonSpeech
from reachflow.captions.quality import style_findings, validate_submission
from reachflow.captions.segment import build_cues
from tests.captions.wordgen import words_from

SUBMITTED = (
    "1\n00:00:00,000 --> 00:00:03,000\nA line that is far too long for the forty-two limit\n\n"
    "2\n00:00:02,500 --> 00:00:02,700\nLate\nand\nthree lines\n\n"
    "3\n00:00:09,000 --> 00:00:50,000\nPast the end\n\n"
    "4\n00:00:08,000 --> 00:00:08,500\nBack in time\n"
)


def test_findings_measure_every_rule() -> None:
    _, cues = parse_captions(SUBMITTED)
    findings = style_findings(cues, CaptionStyle(), media_duration=10.0)
    assert findings.cues == 4 and findings.speech_cues == 4 and findings.sound_cues == 0
    assert findings.lines_over_limit == 1 and findings.longest_line == 51
    assert findings.cues_over_max_lines == 1
    assert findings.cues_under_min_duration == 2  # 0.2 s and 0.5 s
    assert findings.cues_over_max_duration == 1  # 41 s
    assert findings.overlaps == 2  # 2 starts inside 1; 4 starts before 3 ends
    assert findings.cues_outside_media == 1
    assert findings.max_cps > 17 and findings.cues_over_cps >= 1
    assert findings.longest_gap == 6.3 and findings.gaps_over_2s == 1
    assert findings.first_start == 0.0 and findings.last_end == 50.0
    assert not findings.clean
    table = findings.as_dict()
    assert table["overlapping cues"] == 2 and table["cues outside the media"] == 1


def test_built_cues_have_clean_findings() -> None:
    words = words_from("Welcome to the course. " * 20, speaker=1) + words_from("Questions?", start=40.0, speaker=2)
    style = CaptionStyle(max_chars_per_line=32, speaker_ids=True, audio_tags=True)
    cues = build_cues(words, style, [NonSpeech(30.0, 39.0, "applause")])
    findings = style_findings(cues, style, media_duration=42.0)
    assert findings.clean and findings.sound_cues == 1
    assert findings.cues_under_min_duration == 0
    # Continuous speech cannot always be slowed: a cue over the rate runs right up to the next.
    for a, b in itertools.pairwise(cues):
        if len(a.text) / a.duration > style.max_cps + 1e-6:
            assert a.end == b.start
    assert findings.words == 81


def test_empty_caption_findings() -> None:
    findings = style_findings([], CaptionStyle())
    assert findings.cues == 0 and findings.first_start is None and findings.mean_cps == 0.0


def test_validate_submission_lists_each_problem() -> None:
    _, cues = parse_captions(SUBMITTED)
    problems = validate_submission(cues, CaptionStyle(), media_duration=10.0)
    assert problems == [
        "cue 1: a line has 51 characters (the limit is 42): 'A line that is far too long for the forty-two limit'",
        "cue 2 has 3 lines (the limit is 2)",
        "cue 3 (9.0–50.0 s) is outside the media (10.0 s long)",
        "cues 1 and 2 overlap (2.500 s < 3.000 s)",
        "cue 4 starts before cue 3 (cues must be in time order)",
    ]


def test_validate_submission_accepts_good_captions_and_refuses_empty() -> None:
    cues = [Cue(0.0, 2.0, ("Hello",)), Cue(2.0, 4.0, ("pneumonoultramicroscopicsilicovolcanoconiosis",))]
    assert validate_submission(cues, CaptionStyle(), media_duration=4.2) == []
    assert validate_submission([], CaptionStyle(), media_duration=4.2) == ["the captions are empty"]
    assert validate_submission(cues, CaptionStyle(), media_duration=None) == []


def test_validate_submission_caps_the_list() -> None:
    cues = [Cue(float(i), float(i) + 5, ("x",)) for i in range(30)]
    problems = validate_submission(cues, CaptionStyle(), media_duration=None, max_problems=5)
    assert len(problems) == 6 and problems[-1] == "... and 24 more"

"""Keywords worth a tag, on transcripts whose topics are known."""

from __future__ import annotations

from reachflow.asr.synthetic import LECTURE_SENTENCES
from reachflow.captions.keywords import extract_keywords

FILLER = {
    "good",
    "morning",
    "good morning",
    "students",
    "open",
    "short",
    "thank",
    "thanks",
    "welcome",
    "everyone",
    "hello",
    "today",
    "project",
    "summary",
}

# The demo's panel entry (kaltura_sandbox/scenarios/default.yaml), which used to be tagged
# "good, morning, students, project, open, panel, short, summary, research, reach".
PANEL = (
    "Good morning everyone. I will open the panel with a short summary of the research project. Thank you. "
    "I would like to add that the survey reached more than four thousand students."
)

GARDENING = (
    "Good afternoon, everyone, and welcome back to the gardening club. Today we talk about compost. "
    "Compost turns kitchen scraps into food for the soil. A compost heap needs green waste and brown waste. "
    "Green waste is grass and vegetable peel; brown waste is dry leaves and cardboard. Turn the compost heap "
    "every two weeks so air reaches the middle. A healthy compost heap smells of earth, not of rot. "
    "Earthworms move into a good compost heap on their own. After six months the compost is dark and crumbly, "
    "and you can spread it on the vegetable beds. Thank you for listening, see you next week."
)


def test_a_short_panel_intro_gets_no_filler_tags() -> None:
    keywords = extract_keywords(PANEL)
    assert not set(keywords) & FILLER, keywords
    assert len(keywords) <= 3


def test_a_lecture_is_tagged_with_its_topics() -> None:
    keywords = extract_keywords(" ".join(LECTURE_SENTENCES))
    assert {"captions", "kaltura", "webvtt", "moodle"} <= set(keywords), keywords
    assert any(" " in k for k in keywords), "the lecture's multi-word terms (machine captions, doctor okafor)"
    assert not set(keywords) & FILLER
    assert len(keywords) <= 8
    # one tag per notion: never both "caption" and "captions"
    assert not {"caption", "captions"} <= set(keywords)


def test_a_talk_about_compost_is_about_compost() -> None:
    keywords = extract_keywords(GARDENING)
    assert keywords[0] in {"compost", "compost heap"}
    assert {"compost heap", "green waste", "brown waste"} & set(keywords), keywords
    assert not set(keywords) & (FILLER | {"afternoon", "gardening club", "week", "listening"}), keywords
    assert len(keywords) <= 3 + len(GARDENING.split()) // 100


def test_the_count_is_bounded() -> None:
    long_text = " ".join(LECTURE_SENTENCES) * 5
    assert len(extract_keywords(long_text)) <= 8
    assert len(extract_keywords(long_text, max_keywords=4)) == 4

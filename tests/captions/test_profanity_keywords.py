"""Profanity masking (whole words only) and keywords for entry tags."""

from __future__ import annotations

import pytest

from reachflow.captions.keywords import extract_keywords, merge_tags
from reachflow.captions.profanity import contains_profanity, mask_profanity, profane_words


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("This is bullshit, damn it", "This is b*******, d*** it"),
        ("What the FUCK!", "What the F***!"),
        ("Shitting and pissing", "S******* and p******"),  # inflections of the strong stems
        ("fuckin' hell", "f*****' hell"),
        ("a well-fucking-done job", "a well-f******-done job"),  # only the profane part
        ("bull shit", "b*** s***"),  # multi-word entries of the list
        ("Moby Dick is a dick.", "Moby Dick is a d***."),  # a capitalised name mid-sentence is kept
    ],
)
def test_profane_words_are_masked_keeping_first_letter_and_length(text: str, masked: str) -> None:
    assert mask_profanity(text) == masked
    assert len(mask_profanity(text)) == len(text)


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe United played in Penistone",
        "The assessment of class assets passed",
        "A cocktail at Dickens's house; shitake mushrooms",
        "Homo sapiens, the organ and the slope of the womb",  # innocent words better-profanity lists
        "God, the hell of war, and gay rights",
        "The cow girls went to the strip club",
        "hello helloworld shell",
    ],
)
def test_innocent_words_are_left_alone(text: str) -> None:
    assert mask_profanity(text) == text
    assert not contains_profanity(text)


def test_better_profanity_list_is_used_when_installed() -> None:
    words = profane_words()
    assert len(words) > 500  # the package's ~900 entries, trimmed
    assert {"wanker", "assholes", "fuck"} <= words and "organ" not in words


# --- keywords ---------------------------------------------------------------------------------

LECTURE = (
    "Welcome to the course. Today we learn how captions are made for every lecture video. "
    "Speech recognition turns audio into text, and captions make every lecture accessible. "
    "Machine learning models like Whisper do speech recognition. Damn, speech recognition is fun."
)


def test_keywords_are_clean_lower_case_tags() -> None:
    keywords = extract_keywords(LECTURE)
    assert 3 <= len(keywords) <= 10
    assert {"captions", "lecture", "speech recognition"} <= set(keywords)
    for keyword in keywords:
        assert keyword == keyword.lower() and "," not in keyword
        assert not contains_profanity(keyword)
        assert keyword not in {"the", "every", "welcome", "today"}
    assert len(set(keywords)) == len(keywords)


def test_keywords_limit_and_empty_text() -> None:
    assert len(extract_keywords(LECTURE, max_keywords=3)) == 3
    assert extract_keywords("   ") == [] and extract_keywords(LECTURE, max_keywords=0) == []


def test_a_phrase_said_once_is_not_a_keyword() -> None:
    keywords = extract_keywords("Captions captions help students. Students love captions.")
    assert keywords[:2] == ["captions", "students"]
    assert "students love" not in keywords


def test_keywords_in_another_language_skip_its_stopwords() -> None:
    keywords = extract_keywords("Los subtítulos ayudan. Los subtítulos y el reconocimiento de voz.", language="es")
    assert "subtítulos" in keywords and "los" not in keywords


def test_merge_tags_appends_without_duplicates_keeping_order() -> None:
    assert merge_tags("lecture,Captions", ["captions", "students", "a,b"]) == "lecture,Captions,students,a b"
    assert merge_tags("", ["x", "X", " y "]) == "x,y"
    assert merge_tags(" one , two ", []) == "one,two"

"""Cue building and line breaking: each caption rule on small, readable examples."""

from __future__ import annotations

import itertools

import pytest

from reachflow.captions.model import CaptionStyle, NonSpeech, Word
from reachflow.captions.segment import break_lines, build_cues
from tests.captions.wordgen import shown_words, words_from

LECTURE = (
    "Welcome to the course. Today we learn how captions are made for every lecture video, and why "
    "timing matters so much for people who read them. Let's begin with the basics of speech "
    "recognition and line breaking in subtitles."
)


# --- lines ------------------------------------------------------------------------------------


def test_text_that_fits_stays_on_one_line() -> None:
    assert break_lines("Hello there, everyone.".split(), 42) == ["Hello there, everyone."]


def test_two_lines_are_balanced_and_do_not_end_on_an_article() -> None:
    lines = break_lines("the quick brown fox jumps over the lazy dog near the river".split(), 32)
    assert lines is not None and len(lines) == 2
    assert all(len(line) <= 32 for line in lines)
    assert abs(len(lines[0]) - len(lines[1])) <= 10  # not one full line and a short one
    assert lines[0].split()[-1] not in {"the", "over", "near"}


def test_line_breaks_prefer_punctuation_over_balance() -> None:
    lines = break_lines("I came home late, and everyone had already gone to bed".split(), 42)
    assert lines == ["I came home late,", "and everyone had already gone to bed"]


def test_line_break_before_a_conjunction_rather_than_inside_a_phrase() -> None:
    lines = break_lines("we measured the reading speed and the line length of captions".split(), 36)
    assert lines is not None and lines[1].startswith("and ")


def test_a_word_longer_than_the_line_stands_alone_and_is_never_split() -> None:
    long_word = "pneumonoultramicroscopicsilicovolcanoconiosis"  # 45 characters
    assert break_lines([long_word, "case"], 42) == [long_word, "case"]
    cues = build_cues(words_from(f"a {long_word} case was seen"), CaptionStyle())
    lines = [line for c in cues for line in c.lines]
    assert long_word in lines  # whole, on its own line
    assert shown_words(cues) == ["a", long_word, "case", "was", "seen"]
    assert all(len(line) <= 42 for line in lines if line != long_word)


def test_words_that_cannot_fit_give_none() -> None:
    assert break_lines(("word " * 30).split(), 20, max_lines=2) is None


def test_three_lines_when_allowed() -> None:
    lines = break_lines(("alpha beta gamma delta " * 3).split(), 24, max_lines=3)
    assert lines is not None and len(lines) == 3 and all(len(line) <= 24 for line in lines)


# --- cues -------------------------------------------------------------------------------------


def test_cues_respect_line_length_and_line_count() -> None:
    cues = build_cues(words_from(LECTURE), CaptionStyle(max_chars_per_line=32))
    assert shown_words(cues) == LECTURE.split()
    assert all(len(c.lines) <= 2 and all(len(line) <= 32 for line in c.lines) for c in cues)


def test_cues_end_at_sentence_ends_when_they_can() -> None:
    cues = build_cues(words_from(LECTURE), CaptionStyle(max_chars_per_line=32))
    assert cues[0].lines == ("Welcome to the course.",)
    ends = [c.lines[-1].split()[-1] for c in cues]
    assert "them." in ends  # the second sentence closes a cue too


def test_a_pause_is_preferred_for_a_cue_break() -> None:
    first = words_from("so this is the first part of what I wanted to say", step=0.3)
    second = words_from("and this is the rest of the thought that follows it", start=first[-1].end + 0.9, step=0.3)
    cues = build_cues(first + second, CaptionStyle())
    assert any(c.lines[-1].endswith("say") for c in cues)


def test_a_long_pause_always_ends_the_cue() -> None:
    cues = build_cues(words_from("Hello") + words_from("again", start=3.0), CaptionStyle())
    assert [c.lines for c in cues] == [("Hello",), ("again",)]


def test_long_speech_is_split_into_cues_of_at_most_seven_seconds() -> None:
    words = words_from("word " * 60, step=0.5)  # slow speech: time, not text, forces splits
    cues = build_cues(words, CaptionStyle())
    assert len(shown_words(cues)) == 60
    assert max(c.duration for c in cues) <= 7.0
    assert all(c.duration >= 5 / 6 for c in cues)


def test_a_single_word_lasting_too_long_is_capped_at_the_maximum_duration() -> None:
    cues = build_cues([Word(0.0, 12.0, "Ommmm")], CaptionStyle())
    assert cues[0].duration == pytest.approx(7.0)


def test_short_cue_extends_into_following_silence() -> None:
    cues = build_cues([Word(0.0, 0.2, "Hi.")], CaptionStyle())
    assert cues[0].start == 0.0 and cues[0].end >= 5 / 6


def test_short_cue_does_not_run_into_the_next_one() -> None:
    words = [Word(0.0, 0.2, "Hi."), *words_from("Then the next sentence starts at once here.", start=2.0)]
    cues = build_cues(words, CaptionStyle())
    assert cues[0].end <= cues[1].start


def test_reading_rate_extends_the_cue_into_the_gap_before_the_next() -> None:
    fast = [
        Word(i * 0.1, i * 0.1 + 0.09, w)
        for i, w in enumerate("Extraordinarily complicated vocabulary appears.".split())
    ]
    later = words_from("Next.", start=10.0)
    cues = build_cues(fast + later, CaptionStyle())
    first = cues[0]
    assert len(first.text) / first.duration <= 17.0 + 1e-6
    assert first.end < later[0].start


def test_reading_rate_is_not_bought_with_an_overlap() -> None:
    fast = [Word(i * 0.1, i * 0.1 + 0.09, w) for i, w in enumerate("Extraordinarily complicated vocabulary.".split())]
    nxt = words_from("Next sentence.", start=0.6)
    cues = build_cues(fast + nxt, CaptionStyle(hard_pause=0.1))
    assert cues[0].end <= cues[1].start


def test_min_gap_is_left_when_a_cue_is_extended() -> None:
    words = words_from("Short.") + words_from("Another one.", start=0.5 + 0.4)
    cues = build_cues(words, CaptionStyle(min_gap=0.08, hard_pause=0.5))
    assert len(cues) == 2 and cues[1].start - cues[0].end >= 0.08 - 1e-9


def test_overlapping_word_times_never_give_overlapping_cues() -> None:
    words = [Word(0.0, 2.0, "First."), Word(1.0, 1.5, "Second."), Word(1.0, 1.5, "Third.")]
    cues = build_cues(words, CaptionStyle(max_chars_per_line=8, max_lines=1))
    assert shown_words(cues) == ["First.", "Second.", "Third."]
    assert all(a.end <= b.start and a.start < b.start for a, b in itertools.pairwise(cues))
    assert all(c.end > c.start for c in cues)


def test_times_are_whole_milliseconds() -> None:
    cues = build_cues(words_from(LECTURE, start=0.12345, step=0.3333), CaptionStyle())
    assert all(round(c.start * 1000) == pytest.approx(c.start * 1000) for c in cues)


def test_the_same_words_give_the_same_cues() -> None:
    style = CaptionStyle(speaker_ids=True, audio_tags=True)
    words = words_from(LECTURE, speaker=4)
    assert build_cues(words, style, [NonSpeech(30, 35)]) == build_cues(
        list(reversed(words)), style, [NonSpeech(30, 35)]
    )


def test_empty_words_are_dropped_and_spaces_trimmed() -> None:
    cues = build_cues([Word(0, 0.3, "  Hello "), Word(0.4, 0.5, " "), Word(0.6, 0.9, "world.")], CaptionStyle())
    assert [c.lines for c in cues] == [("Hello world.",)]


def test_no_words_no_cues() -> None:
    assert build_cues([], CaptionStyle()) == []


# --- speakers ---------------------------------------------------------------------------------


def two_speakers(first_id: int = 7, second_id: int = 3) -> list[Word]:
    return (
        words_from("Good morning everyone.", speaker=first_id)
        + words_from("Thank you all for coming.", start=1.2, speaker=second_id)
        + words_from("Back to you now.", start=3.2, speaker=first_id)
    )


def test_speaker_ids_label_each_change_numbered_in_order_of_appearance() -> None:
    cues = build_cues(two_speakers(), CaptionStyle(speaker_ids=True))
    assert [c.lines[0].split("]")[0] + "]" for c in cues] == ["[Speaker 1]", "[Speaker 2]", "[Speaker 1]"]
    assert [c.speaker for c in cues] == [1, 2, 1]


def test_a_change_of_speaker_starts_a_new_cue_even_without_a_pause() -> None:
    words = words_from("one two three", speaker=0) + words_from("four five", start=1.05, speaker=1)
    assert len(build_cues(words, CaptionStyle(speaker_change=True))) == 2
    assert len(build_cues(words, CaptionStyle())) == 1  # not marked: speakers are ignored


def test_speaker_label_only_when_the_speaker_differs_from_the_previous_cue() -> None:
    words = words_from("First sentence here.", speaker=0) + words_from("Still me after a pause.", start=4.0, speaker=0)
    cues = build_cues(words, CaptionStyle(speaker_ids=True))
    assert len(cues) == 2 and cues[0].lines[0].startswith("[Speaker 1] ")
    assert not cues[1].lines[0].startswith("[")


def test_speaker_change_marks_each_change_but_not_the_first_cue() -> None:
    cues = build_cues(two_speakers(), CaptionStyle(speaker_change=True))
    assert [c.lines[0].startswith(">> ") for c in cues] == [False, True, True]


def test_speaker_ids_and_change_together() -> None:
    cues = build_cues(two_speakers(), CaptionStyle(speaker_ids=True, speaker_change=True))
    assert cues[0].lines[0].startswith("[Speaker 1] ") and cues[1].lines[0].startswith(">> [Speaker 2] ")


def test_labels_count_toward_the_line_length() -> None:
    words = words_from("abcdefghij klmnopqrst uvwxyz", speaker=1)  # 28 characters of words
    cues = build_cues(words, CaptionStyle(speaker_ids=True, max_chars_per_line=32))
    assert all(len(line) <= 32 for c in cues for line in c.lines)
    assert cues[0].lines[0].startswith("[Speaker 1]") and len(cues[0].lines) == 2


def test_unknown_speaker_inherits_the_previous_one() -> None:
    words = [Word(0, 0.3, "Hi", speaker=5), Word(0.4, 0.7, "there", speaker=None), Word(0.8, 1.0, "friend.", speaker=5)]
    cues = build_cues(words, CaptionStyle(speaker_ids=True))
    assert [c.lines for c in cues] == [("[Speaker 1] Hi there friend.",)]


# --- audio tags -------------------------------------------------------------------------------


def test_audio_tags_fill_non_speech_without_overlapping_speech() -> None:
    cues = build_cues(
        words_from("Hello there.", start=5.0), CaptionStyle(audio_tags=True), [NonSpeech(0.0, 4.5, "music")]
    )
    assert cues[0].lines == ("[MUSIC]",) and cues[0].kind == "sound"
    assert cues[0].start == 0.0 and cues[0].end <= cues[1].start == 5.0


def test_audio_tag_between_words_splits_the_speech() -> None:
    words = words_from("before the applause") + words_from("after it", start=2.5)
    cues = build_cues(words, CaptionStyle(audio_tags=True, hard_pause=10), [NonSpeech(1.2, 2.4, "[Applause]")])
    assert [c.lines for c in cues] == [("before the applause",), ("[APPLAUSE]",), ("after it",)]
    assert all(a.end <= b.start for a, b in itertools.pairwise(cues))


def test_sound_under_speech_is_cut_to_the_silent_part() -> None:
    words = words_from("talking over the music", start=2.0)  # 2.0 .. 3.35
    cues = build_cues(words, CaptionStyle(audio_tags=True), [NonSpeech(0.0, 10.0, "MUSIC")])
    sounds = [c for c in cues if c.kind == "sound"]
    assert [c.text for c in sounds] == ["[MUSIC]", "[MUSIC]"]
    speech = next(c for c in cues if c.kind == "speech")
    assert all(s.end <= speech.start or s.start >= speech.end for s in sounds)
    assert all(s.duration <= 7.0 for s in sounds)


def test_short_non_speech_and_disabled_tags_give_no_cue() -> None:
    words = words_from("Hello there.", start=5.0)
    assert all(c.kind == "speech" for c in build_cues(words, CaptionStyle(audio_tags=True), [NonSpeech(1.0, 1.4)]))
    assert all(c.kind == "speech" for c in build_cues(words, CaptionStyle(), [NonSpeech(0.0, 4.5)]))


def test_audio_tags_break_speaker_change_marks_nothing() -> None:
    words = words_from("First voice.", speaker=1) + words_from("First voice again.", start=4.0, speaker=1)
    cues = build_cues(words, CaptionStyle(audio_tags=True, speaker_change=True), [NonSpeech(1.0, 3.8, "music")])
    assert [c.lines[0] for c in cues] == ["First voice.", "[MUSIC]", "First voice again."]


# --- profanity --------------------------------------------------------------------------------


def test_profanity_is_masked_in_cues_only_when_asked() -> None:
    words = words_from("This is bullshit, Scunthorpe.")
    assert build_cues(words, CaptionStyle(profanity=True))[0].text == "This is b*******, Scunthorpe."
    assert build_cues(words, CaptionStyle())[0].text == "This is bullshit, Scunthorpe."


def test_invalid_styles_are_refused() -> None:
    with pytest.raises(ValueError):
        CaptionStyle(max_chars_per_line=0)
    with pytest.raises(ValueError):
        CaptionStyle(min_duration=8.0, max_duration=7.0)

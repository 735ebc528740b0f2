"""Dictionary snapping: near misses become the customer's terms; ordinary words said clearly stay."""

from __future__ import annotations

from collections.abc import Sequence

from reachflow.asr.base import RecognizedWord
from reachflow.asr.vocabulary import (
    MIN_GAIN,
    SOUND_ALIKE,
    WEIGH_BELOW,
    Confirm,
    Weigh,
    _phoneme_distance,
    dictionary_terms,
    phonemes,
    snap_to_dictionary,
    sound_alike,
)

DICTIONARY = ["Kaltura", "REACH", "WebVTT", "turnaround time", "Moodle", "Okafor", "Priya Raman"]


def _words(text: str, probability: float = 0.9) -> list[RecognizedWord]:
    return [RecognizedWord(i * 0.5, i * 0.5 + 0.4, w, probability) for i, w in enumerate(text.split())]


def _snap(text: str, probability: float = 0.9) -> str:
    words, _ = snap_to_dictionary(_words(text, probability), DICTIONARY, "en")
    return " ".join(w.text for w in words)


def test_a_near_miss_is_corrected() -> None:
    words, snapped = snap_to_dictionary(_words("Doctor Okafour measured it."), DICTIONARY, "en")
    assert [w.text for w in words] == ["Doctor", "Okafor", "measured", "it."]
    assert snapped == [("Okafour", "Okafor")]
    assert _snap("Ask Pria Raman, please.") == "Ask Priya Raman, please."


def test_split_and_miscased_terms_are_written_the_dictionarys_way() -> None:
    words, _ = snap_to_dictionary(_words("the Web VTT files and the turn around time."), DICTIONARY, "en")
    assert [w.text for w in words] == ["the", "WebVTT", "files", "and", "the", "turnaround time."]
    webvtt = words[1]
    assert (webvtt.start, webvtt.end) == (0.5, 1.4)  # the snapped word spans both pieces
    assert _snap("open moodle today") == "open Moodle today"
    assert _snap("Turn around time matters.") == "Turnaround time matters."


def test_ordinary_words_said_clearly_are_left_alone() -> None:
    text = "We reach the new model of culture and a muddy teacher."
    assert _snap(text) == text  # "reach" is not "REACH", "model" is not "Moodle", "culture" not "Kaltura"


def test_an_unsure_ordinary_word_that_sounds_like_a_term_is_snapped() -> None:
    words = _words("captions from culture are ready")
    words[2] = RecognizedWord(words[2].start, words[2].end, "culture", 0.3)
    fixed, snapped = snap_to_dictionary(words, DICTIONARY, "en")
    assert fixed[2].text == "Kaltura" and snapped == [("culture", "Kaltura")]
    # The same word heard with confidence stays.
    assert snap_to_dictionary(_words("captions from culture are ready"), DICTIONARY, "en")[1] == []


def test_words_already_right_and_sentence_ends_are_respected() -> None:
    text = "Kaltura REACH sends WebVTT. Turn around. Time is short."
    # "around." ends a sentence: "Turn around. Time" is not the term.
    assert _snap(text) == text
    assert snap_to_dictionary([], DICTIONARY) == ([], [])
    assert snap_to_dictionary(_words("hello"), None)[0][0].text == "hello"


def test_dictionary_terms_accepts_lists_and_strings() -> None:
    assert dictionary_terms("Kaltura, REACH\nWebVTT; kaltura") == ["Kaltura", "REACH", "WebVTT"]
    assert dictionary_terms(["  turnaround   time ", ""]) == ["turnaround time"]
    assert dictionary_terms(None) == []


def test_a_snap_never_swallows_a_neighbouring_word() -> None:
    # Seen on the bench: "to Moodle" → "Moodle", "is Priya Raman" → "Priya Raman", "the Kaltura player" → "Kaltura player".
    assert _snap("upload your recordings to Moodle after class") == "upload your recordings to Moodle after class"
    assert _snap("My name is Priya Raman and") == "My name is Priya Raman and"
    assert _snap("shows the Kaltura player") == "shows the Kaltura player"
    assert _snap("captions through Kaltura.") == "captions through Kaltura."
    assert _snap("My name is Pria Raman.") == "My name is Priya Raman."


def test_a_name_heard_as_one_made_up_word_is_snapped() -> None:
    # espeak's "Priya Raman" came out of tiny.en as "Pre-urammon" on the bench.
    assert _snap("Pre-urammon will send the checklist.") == "Priya Raman will send the checklist."


def _audio_says(*said: str) -> tuple[list[tuple[str, str]], Confirm]:
    """A stand-in for the engine's re-decode: the audio says the term only at the runs in ``said``."""
    asked: list[tuple[str, str]] = []

    def confirm(run: Sequence[RecognizedWord], term: str) -> bool:
        heard = " ".join(w.text for w in run)
        asked.append((heard, term))
        return heard in said

    return asked, confirm


def test_sound_alikes_beyond_spelling_are_snapped_when_the_audio_says_the_term() -> None:
    # Bench misses (espeak voices): "Achafer" and "Lokafer" for "Okafor", "Prairie Ramen" for "Priya
    # Raman", "turn time" for "turnaround time". Close in sound (consonant classes), not in spelling.
    text = "Doctor Achafer and Doctor Lokafer asked Prairie Ramen to choose the turn time today."
    _, confirm = _audio_says("Achafer", "Lokafer", "Prairie Ramen", "turn time")
    words, snapped = snap_to_dictionary(_words(text), DICTIONARY, "en", confirm=confirm)
    assert " ".join(w.text for w in words) == (
        "Doctor Okafor and Doctor Okafor asked Priya Raman to choose the turnaround time today."
    )
    assert [term for _, term in snapped] == ["Okafor", "Okafor", "Priya Raman", "turnaround time"]
    # Without the audio's word for it, none of them is close enough to change.
    assert _snap(text) == text


def test_ordinary_words_that_sound_a_little_alike_stay_when_the_audio_says_them() -> None:
    text = "We offer copper handles, a website on Africa, the middle of the return time and the turn."
    asked, confirm = _audio_says()  # the audio says what was recognised
    words, snapped = snap_to_dictionary(_words(text), DICTIONARY, "en", confirm=confirm)
    assert " ".join(w.text for w in words) == text and snapped == []
    # Far-off words are not even heard again: checks cost a decode each.
    assert {heard for heard, _ in asked} <= {"middle", "handles,"}


def test_words_already_right_are_not_heard_again() -> None:
    asked, confirm = _audio_says()
    text = "the turnaround time of Kaltura REACH in Moodle"
    words, _ = snap_to_dictionary(_words(text), DICTIONARY, "en", confirm=confirm)
    assert " ".join(w.text for w in words) == text and asked == []


# --------------------------------------------------------------------------------------------
# Sound-alikes weighed on the audio: "Google" for "Moodle", "Rockefeller" for "Okafor"


def _audio_prefers(margins: dict[str, float]) -> tuple[list[tuple[str, str]], Weigh]:
    """A stand-in for the engine's forced scoring: ``margins[heard]`` is how many nats better the
    term's text explains the audio than the heard text (missing: the heard text is 10 nats better)."""
    asked: list[tuple[str, str]] = []

    def weigh(words: Sequence[RecognizedWord], i: int, n: int, text: str) -> tuple[float, float]:
        heard = " ".join(w.text for w in words[i : i + n])
        asked.append((heard, text))
        return -20.0, -20.0 + margins.get(heard, -10.0)

    return asked, weigh


def _weigh(text: str, margins: dict[str, float], probability: float = 0.4) -> tuple[str, list[tuple[str, str]]]:
    asked, weigh = _audio_prefers(margins)
    words, _ = snap_to_dictionary(_words(text, probability), DICTIONARY, "en", weigh=weigh)
    return " ".join(w.text for w in words), asked


def test_mishearings_that_only_sound_like_a_term_are_replaced_where_the_audio_prefers_the_term() -> None:
    # The bench's espeak misses: far apart in spelling, near in sound, and the term's text
    # explains the audio better (+5 to +8 nats on tiny.en).
    text, asked = _weigh("publish the transcript in Google next to the slides.", {"Google": 7.7})
    assert text == "publish the transcript in Moodle next to the slides."
    assert ("Google", "Moodle") in asked
    assert _weigh("guests. Dr. Rockefeller votes at", {"Rockefeller": 5.0})[0] == "guests. Dr. Okafor votes at"
    assert _weigh("about the web media format", {"web media": 7.1})[0] == "about the WebVTT format"


def test_a_real_word_that_sounds_like_a_term_stays_where_the_audio_says_it() -> None:
    # "Google" said for real (the heard text explains the audio better): kept, though it was weighed.
    text, asked = _weigh("She searched Google for the paper.", {})
    assert text == "She searched Google for the paper." and ("Google", "Moodle") in asked
    assert _weigh("John Rockefeller founded it.", {"Rockefeller": -5.7})[0] == "John Rockefeller founded it."
    assert _weigh("The web media team publishes", {"web media": -3.8})[0] == "The web media team publishes"


def test_the_term_wins_only_where_it_explains_the_audio_clearly_better() -> None:
    assert _weigh("in Google next", {"Google": MIN_GAIN + 0.1})[0] == "in Moodle next"
    assert _weigh("in Google next", {"Google": MIN_GAIN - 0.1})[0] == "in Google next"
    # base's "We ate noodles soup": the term was only +0.9 nats ahead, a minimal pair (n / m).
    assert _weigh("We ate noodles soup", {"noodles": 0.9})[0] == "We ate noodles soup"


def test_clear_words_far_sounds_and_terms_are_not_weighed() -> None:
    # Heard confidently: the weighing (a re-encode of the audio) is not spent on it.
    text, asked = _weigh("She searched Google for the paper.", {"Google": 9.0}, probability=WEIGH_BELOW)
    assert text == "She searched Google for the paper." and asked == []
    # Sounds nothing like a term, or already is one.
    _, asked = _weigh("the lecture hall in Moodle with Kaltura", {})
    assert {heard for heard, _ in asked}.isdisjoint({"lecture", "hall", "Moodle", "Kaltura", "in Moodle"})


def test_sound_alike_compares_phonemes() -> None:
    assert sound_alike("Google", "Moodle") >= SOUND_ALIKE
    assert sound_alike("Rockefeller", "Okafor") >= SOUND_ALIKE
    assert sound_alike("web media", "WebVTT") >= SOUND_ALIKE
    assert sound_alike("lecture", "Moodle") < SOUND_ALIKE
    assert sound_alike("slides", "Okafor") < SOUND_ALIKE


def test_a_liquid_for_a_liquid_and_a_nasal_for_a_nasal_cost_half() -> None:
    # espeak en+f3's "Priya Raman" came out "Pre-alarm and" (l for r, a for a): 0.54 when every
    # consonant swap cost a whole edit, short of the bar; the audio then decides.
    assert sound_alike("Pre-alarm and", "Priya Raman") >= SOUND_ALIKE
    # The swap is only cheap within a class (l/ɹ, m/n), not between classes or to other consonants.
    assert _phoneme_distance("l", "ɹ") == _phoneme_distance("m", "n") == 0.5
    assert _phoneme_distance("l", "m") == _phoneme_distance("ɹ", "d") == 1.0
    assert _phoneme_distance("ɪ", "ə") == 0.4
    assert sound_alike("relax", "Moodle") < SOUND_ALIKE


def test_a_text_espeak_splits_or_drops_does_not_cost_the_others_their_phonemes() -> None:
    # espeak-ng says "end. Next" as two lines and "," as none: in one batch, every text after them
    # used to get its neighbour's phonemes. Words no other test asks for, so nothing is cached before.
    said = phonemes(["the end. Next week", ",", "Adebayo", "Moodle"])
    assert said[1] == ""
    assert "ɛnd" in said[0] and said[0].endswith("nɛkstwik")
    assert said[2].startswith("ɐdɛb") or said[2].startswith("adɛb")
    assert said[3] == phonemes(["Moodle"])[0] and said[3].startswith("mu")

"""A short skip hidden under one stretched, doubtful word: found, and only the missing words spliced in.

The timings are those of the bench's espeak en+f3 lecture, where the prompted decode wrote
"We also export the transcript for students" over "… the transcript as plain text for students …"
("for" at p 0.014 spanning 1.08 s) and two unprompted decodes of the sentence heard the words.
"""

from __future__ import annotations

import itertools

from reachflow.asr.base import RecognizedWord as W
from reachflow.asr.faster import sentence_around, splice_hidden_words, stretched_words

PROMPTED = [
    W(202.88, 203.32, "away.", 0.99),
    W(204.18, 204.32, "We", 0.99),
    W(204.32, 204.68, "also", 0.98),
    W(204.68, 205.10, "export", 0.99),
    W(205.10, 205.36, "the", 0.99),
    W(205.36, 205.90, "transcript", 0.83),
    W(205.90, 206.98, "for", 0.014),
    W(206.98, 207.60, "students", 0.65),
    W(207.60, 208.04, "who", 0.53),
    W(208.04, 208.34, "prefer", 0.95),
    W(208.34, 208.60, "to", 0.99),
    W(208.60, 209.50, "read.", 0.98),
    W(210.10, 210.30, "Reading", 0.9),
]
# tiny.en without the prompt on 204.0–209.6 s (measured)
UNPROMPTED = [
    W(204.00, 204.30, "We", 0.84),
    W(204.30, 204.66, "also", 0.98),
    W(204.66, 205.08, "export", 0.93),
    W(205.08, 205.38, "the", 0.97),
    W(205.38, 205.92, "transcript", 0.71),
    W(205.92, 206.22, "as", 0.03),
    W(206.22, 206.48, "plain", 0.96),
    W(206.48, 206.88, "text", 0.91),
    W(206.88, 207.24, "for", 0.99),
    W(207.24, 207.76, "students", 0.94),
    W(207.76, 208.08, "who", 0.13),
    W(208.08, 208.32, "prefer", 0.91),
    W(208.32, 208.56, "to", 0.98),
    W(208.56, 208.80, "read.", 0.99),
]


def texts(words: list[W]) -> str:
    return " ".join(w.text for w in words)


def test_the_stretched_doubtful_word_is_found_and_its_sentence_bounded() -> None:
    assert stretched_words(PROMPTED) == [6]
    assert sentence_around(PROMPTED, 6) == (1, 11)  # "We" … "read."
    # A pause ends a sentence too, without punctuation.
    paused = [W(0.0, 0.4, "so", 0.9), W(1.0, 2.0, "for", 0.01), W(2.0, 2.3, "now", 0.9)]
    assert sentence_around(paused, 1) == (1, 2)
    # Long but believed, or doubtful but short: not a sign of a skip.
    assert stretched_words([W(0.0, 1.2, "who", 0.5), W(1.2, 1.5, "for", 0.01)]) == []


def test_the_words_heard_inside_the_stretched_word_are_spliced_in_and_nothing_else_changes() -> None:
    first, last = sentence_around(PROMPTED, 6)
    sentence = PROMPTED[first : last + 1]
    fixed = splice_hidden_words(sentence, 6 - first, UNPROMPTED)
    assert fixed is not None
    assert texts(fixed) == "We also export the transcript as plain text for students who prefer to read."
    # The prompted words stay (their timing and confidence), the restored ones come from the re-decode,
    # and "for" gets its own time instead of the stretched one.
    assert fixed[:5] == sentence[:5]
    assert fixed[-5:] == sentence[-5:]
    assert [w.text for w in fixed[5:8]] == ["as", "plain", "text"]
    assert (fixed[8].start, fixed[8].end, fixed[8].probability) == (206.88, 206.98, 0.014)  # inside its old span
    assert all(a.end <= b.start for a, b in itertools.pairwise(fixed))


def test_a_re_decode_that_only_disagrees_elsewhere_changes_nothing() -> None:
    first, last = sentence_around(PROMPTED, 6)
    sentence = PROMPTED[first : last + 1]
    # The re-decode hears the same words, with other words far from the stretched one.
    same = [W(w.start, w.end, w.text, 0.9) for w in sentence]
    assert splice_hidden_words(sentence, 6 - first, same) is None
    elsewhere = [*same[:1], W(204.2, 204.3, "well", 0.5), W(204.3, 204.4, "then", 0.5), *same[1:]]
    assert splice_hidden_words(sentence, 6 - first, elsewhere) is None
    # One extra word is not a skip.
    one = [*same[:6], W(206.2, 206.6, "plain", 0.9), *same[6:]]
    assert splice_hidden_words(sentence, 6 - first, one) is None


def test_a_stretched_word_the_re_decode_replaces_by_several_is_replaced() -> None:
    sentence = [W(0.0, 0.5, "the", 0.9), W(0.5, 1.6, "form", 0.02), W(1.6, 2.0, "students.", 0.9)]
    redo = [
        W(0.0, 0.5, "the", 0.9),
        W(0.5, 0.8, "as", 0.5),
        W(0.8, 1.2, "plain", 0.9),
        W(1.2, 1.5, "text", 0.9),
        W(1.6, 2.0, "students.", 0.9),
    ]
    fixed = splice_hidden_words(sentence, 1, redo)
    assert fixed is not None and texts(fixed) == "the as plain text students."


def test_the_engine_re_decodes_the_sentence_and_restores_the_hidden_words(tiny, speech_dir) -> None:
    # Real audio, real re-decode: the words the prompted decode would have kept, less "as plain
    # text", with "for" stretched over their time at p 0.01, as on the bench's en+f3 lecture.
    from reachflow.asr.base import Window, read_wav, wav_info
    from reachflow.asr.synthetic import synthesize

    clip = synthesize(
        "We also export the transcript as plain text for students who prefer to read.",
        speech_dir / "stretched_for.wav",
        "en",
    )
    duration = wav_info(clip).duration
    heard = tiny._decode(
        read_wav(clip), 0.0, language="en", prompt=None, hotwords=None, word_timestamps=True, vad_filter=True
    ).words
    spoken = [w.text.strip(".").lower() for w in heard]
    assert spoken[4:9] == ["transcript", "as", "plain", "text", "for"], spoken  # the clip says it clearly
    hidden = [*heard[:5], W(heard[5].start, heard[8].end, "for", 0.01), *heard[9:]]
    window = Window(0.0, duration, 0.0, duration)

    words, note = tiny._unstretch(read_wav(clip), window, hidden, "en", tiny.model_path)

    assert [w.text.strip(".").lower() for w in words] == spoken
    assert "1 sentence(s) decoded again" in note and "'for' at 1.8 s: 'as plain text for'" in note
    # Nothing to do where no word is stretched: no decode, no note.
    assert tiny._unstretch(read_wav(clip), window, heard, "en", tiny.model_path) == (heard, "")

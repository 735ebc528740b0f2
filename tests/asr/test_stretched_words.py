"""Where word timings say the decode slipped, the sentence is decoded again and only the slip mended.

A short skip hidden under one stretched, doubtful word: found, and only the missing words spliced
in. Doubtful words squeezed into no time (a decode repeating itself): dropped where the re-decode
does not have them.

The timings are those of the bench's espeak en+f3 lecture, where the prompted decode wrote
"We also export the transcript for students" over "… the transcript as plain text for students …"
("for" at p 0.014 spanning 1.08 s) and two unprompted decodes of the sentence heard the words.
"""

from __future__ import annotations

import itertools

from reachflow.asr.base import RecognizedWord as W
from reachflow.asr.faster import (
    drop_squeezed_words,
    mend_timing_slips,
    sentence_around,
    splice_hidden_words,
    squeezed_runs,
    stretched_words,
)

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
    assert note == "timing check: 1 sentence(s) decoded again without the prompt: 'for' at 1.8 s: 'as plain text for'"
    # Nothing to do where no word is stretched: no decode, no note.
    assert tiny._unstretch(read_wav(clip), window, heard, "en", tiny.model_path) == (heard, "")


# Piper joe, the bench lecture: "In the spring term we plan to caption 600 more hours of archive
# video." decoded with the prompt (measured): six words in 0.26 s, repeating the sentence before.
LOOPED = [
    W(146.28 - 0.4, 146.28, "40.", 0.71),
    W(147.00, 147.22, "In", 0.98),
    W(147.22, 147.42, "the", 0.99),
    W(147.42, 147.66, "spring", 0.93),
    W(147.66, 147.86, "term,", 0.99),
    W(147.92, 148.04, "we", 0.99),
    W(148.04, 148.20, "plan", 0.93),
    W(148.20, 148.20, "to", 0.61),
    W(148.20, 148.20, "do", 0.047),
    W(148.20, 148.20, "the", 0.21),
    W(148.20, 148.46, "handbook.", 0.003),
    W(148.46, 148.46, "We", 0.013),
    W(148.46, 148.46, "plan", 0.001),
    W(148.46, 148.46, "to", 0.9),
    W(148.46, 148.86, "caption", 0.4),
    W(148.86, 149.44, "600", 0.95),
    W(149.44, 149.82, "more", 0.96),
    W(149.82, 150.04, "hours", 0.96),
    W(150.04, 150.42, "of", 0.99),
    W(150.42, 150.66, "archive", 0.6),
    W(150.66, 151.14, "video.", 0.98),
]


def _redo(text: str, start: float, end: float) -> list[W]:
    parts = text.split()
    step = (end - start) / len(parts)
    return [W(start + k * step, start + (k + 1) * step, t, 0.9) for k, t in enumerate(parts)]


def test_words_squeezed_into_no_time_are_found() -> None:
    assert squeezed_runs(LOOPED) == [(7, 13)]  # "to do the handbook. We plan to"
    # The sentence runs from after "40." to "video.", across the "." inside the run.
    assert sentence_around(LOOPED, 7)[0] == 1 and sentence_around(LOOPED, 13)[1] == 20
    # Fast but believed words, or two squeezed words, are not a loop.
    quick = [W(0.0, 0.08, "a", 0.9), W(0.08, 0.16, "of", 0.8), W(0.16, 0.24, "the", 0.9), W(0.24, 0.6, "end", 0.9)]
    assert squeezed_runs(quick) == []
    assert squeezed_runs([W(0.0, 0.0, "do", 0.01), W(0.0, 0.0, "the", 0.01), W(0.0, 0.5, "end", 0.9)]) == []
    # Stretched, not squeezed.
    assert squeezed_runs(PROMPTED) == []


def test_the_loop_is_dropped_where_the_re_decode_does_not_have_it() -> None:
    sentence = LOOPED[1:]
    redo = _redo("In the spring term we plan to caption 600 more hours of archive video.", 147.0, 151.1)
    fixed = drop_squeezed_words(sentence, 6, 12, redo)
    assert fixed is not None
    assert texts(fixed) == "In the spring term, we plan to caption 600 more hours of archive video."
    # Everything outside the run is the prompted decode's, untouched; the "to" kept is one of the run's.
    assert fixed[:6] == sentence[:6] and fixed[-7:] == sentence[-7:]
    assert fixed[6] in sentence[6:13]

    # What tiny.en wrote for it, measured: "… we plan to capture 600 …". The change reaches past the
    # run ("caption" → "capture"): the run's words go, "caption" stays as first heard.
    measured = _redo("In the spring term we plan to capture 600 more hours of archive video.", 147.0, 151.1)
    fixed = drop_squeezed_words(sentence, 6, 12, measured)
    assert fixed is not None
    assert texts(fixed) == "In the spring term, we plan to caption 600 more hours of archive video."


def test_a_squeezed_run_the_re_decode_confirms_stays() -> None:
    sentence = LOOPED[1:]
    same = _redo(texts(sentence), 147.0, 151.1)
    assert drop_squeezed_words(sentence, 6, 12, same) is None
    # Words the re-decode lacks outside the run are not the run's business.
    shorter = _redo(
        "the spring term, we plan to do the handbook. We plan to caption 600 hours of archive video.", 147.0, 151.1
    )
    assert drop_squeezed_words(sentence, 6, 12, shorter) is None


def test_the_engine_drops_a_loop_the_re_decode_of_its_sentence_does_not_hear(tiny, speech_dir) -> None:
    from reachflow.asr.base import Window, read_wav, wav_info
    from reachflow.asr.synthetic import synthesize

    clip = synthesize("In the spring term we plan to caption six hundred more hours.", speech_dir / "looped.wav", "en")
    duration = wav_info(clip).duration
    heard = tiny._decode(
        read_wav(clip), 0.0, language="en", prompt=None, hotwords=None, word_timestamps=True, vad_filter=True
    ).words
    at = next(i for i, w in enumerate(heard) if w.text == "to") + 1
    t = heard[at].start
    loop = [
        W(t, t, "do", 0.04),
        W(t, t, "the", 0.2),
        W(t, t, "handbook.", 0.003),
        W(t, t, "We", 0.01),
        W(t, t, "plan", 0.001),
        W(t, t, "to", 0.9),
    ]
    looped = [*heard[:at], *loop, *heard[at:]]
    window = Window(0.0, duration, 0.0, duration)

    words, note = tiny._unstretch(read_wav(clip), window, looped, "en", tiny.model_path)

    assert texts(words) == texts(heard)
    assert note.startswith("timing check: 1 sentence(s) decoded again without the prompt: at ")
    assert "dropped 'do the handbook. We plan to'" in note or "dropped 'to do the handbook. We plan'" in note


def test_both_sentences_are_mended_each_from_its_own_re_decode() -> None:
    # The en+f3 skip and the Piper loop in one transcript: each sentence decoded again on its own
    # stretch (0.3 s either side), the later one first.
    words = [*LOOPED[1:], *PROMPTED]
    asked: list[tuple[float, float]] = []

    def redecode(lo: float, hi: float) -> list[W]:
        asked.append((round(lo, 2), round(hi, 2)))
        if lo > 200.0:
            return UNPROMPTED
        return _redo("In the spring term we plan to caption 600 more hours of archive video.", 147.0, 151.1)

    out, tried, notes = mend_timing_slips(words, 140.0, 260.0, redecode)
    assert tried == 2 and len(notes) == 2
    assert asked == [(203.88, 209.8), (146.7, 151.44)]
    assert texts(out) == (
        "In the spring term, we plan to caption 600 more hours of archive video. away. "
        "We also export the transcript as plain text for students who prefer to read. Reading"
    )

    # Only spots starting in the window's own part are decoded again.
    asked.clear()
    out, tried, _ = mend_timing_slips(words, 200.0, 260.0, redecode)
    assert tried == 1 and asked == [(203.88, 209.8)] and out[: len(LOOPED) - 1] == LOOPED[1:]


def test_a_spot_a_later_mend_already_replaced_is_left_alone() -> None:
    # A squeezed run ("x y z") right before a stretched word ("over"): the re-decode replaces both
    # with the words it heard under "over", so the run's indexes no longer hold the run.
    words = [
        W(0.0, 0.3, "We", 0.9),
        W(0.3, 0.6, "saw", 0.9),
        W(0.60, 0.63, "x", 0.01),
        W(0.63, 0.66, "y", 0.02),
        W(0.66, 0.69, "z", 0.03),
        W(0.69, 0.89, "and", 0.9),
        W(0.89, 2.0, "over", 0.01),
        W(2.0, 2.4, "there.", 0.9),
    ]
    assert squeezed_runs(words) == [(2, 4)] and stretched_words(words) == [6]
    calls: list[tuple[float, float]] = []

    def redecode(lo: float, hi: float) -> list[W]:
        calls.append((lo, hi))
        return [*words[:2], *_redo("the bright red kite that flew so high", 0.9, 2.0), words[-1]]

    out, tried, notes = mend_timing_slips(words, 0.0, 60.0, redecode)
    assert texts(out) == "We saw the bright red kite that flew so high there."
    assert tried == 1 and len(calls) == 1 and len(notes) == 1  # the run was not tried on the new words

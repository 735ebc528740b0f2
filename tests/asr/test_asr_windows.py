"""Windowing and the dropped-speech guard's coverage logic, on synthetic timings."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from reachflow.asr.base import RecognizedWord, Window, dictionary_prompt, merge_window_words, plan_windows, wav_info
from reachflow.asr.faster import uncovered_speech
from reachflow.asr.synthetic import write_wav
from reachflow.errors import MediaError


def test_windows_cut_in_pauses_and_cover_the_file(tmp_path: Path) -> None:
    # 100 s of "speech" (a tone) with a 0.6 s pause every 4 s, so each search zone holds one.
    rate = 16_000
    t = np.arange(100 * rate) / rate
    signal = 0.3 * np.sin(2 * np.pi * 200 * t)
    signal[(t % 4.0) > 3.4] = 0.0
    path = write_wav(tmp_path / "a.wav", signal.astype(np.float32))
    windows = plan_windows(path, window_seconds=20.0, overlap_seconds=2.0)
    assert windows[0].keep_from == 0.0 and windows[-1].keep_to == pytest.approx(100.0)
    for a, b in itertools.pairwise(windows):
        assert a.keep_to == b.keep_from  # keep ranges tile the file
        assert (a.keep_to % 4.0) > 3.4  # every cut is in a pause
        assert a.end - a.start <= 20.0 + 1e-6
        assert a.end > a.keep_to and b.start < b.keep_from  # overlap gives context both sides


def test_merge_keeps_each_word_once() -> None:
    w1, w2 = Window(0, 22, 0, 20), Window(18, 40, 20, 40)
    a = [RecognizedWord(18.5, 19.0, "hello", 0.9), RecognizedWord(19.6, 20.3, "world.", 0.6)]
    b = [
        RecognizedWord(18.6, 19.0, "hello", 0.8),
        RecognizedWord(19.7, 20.35, "World", 0.9),
        RecognizedWord(21.0, 21.5, "again", 0.9),
    ]
    merged = merge_window_words([(w1, a), (w2, b)])
    # "world." (midpoint 19.95) from the first window and "World" (20.03) from the second are
    # the same word either side of the cut: kept once, the surer one.
    assert [w.text for w in merged] == ["hello", "World", "again"]


def test_uncovered_speech_finds_only_long_stretches() -> None:
    regions = [(0.0, 10.0), (12.0, 20.0)]
    words = [(0.1, 0.5), (0.6, 1.0), (1.2, 1.6), (6.0, 6.5), (6.6, 9.8), (12.1, 19.9)]
    # 1.6–6.0 has no word (4.4 s, minus slack); the short gaps between words are fine.
    assert uncovered_speech(regions, words, min_gap=2.0, slack=0.3) == [(pytest.approx(1.9), pytest.approx(5.7))]
    assert uncovered_speech(regions, [], min_gap=2.0) == regions
    assert uncovered_speech(regions, words, min_gap=5.0) == []


def test_a_word_stretched_over_skipped_speech_does_not_hide_the_skip() -> None:
    # After a skip Whisper's aligner stretched the next segment's first word over the speech it
    # jumped (seen here: one word "covering" a 4 s sentence). Clipped to 1.2 s, the skip shows.
    regions = [(0.0, 12.0)]
    words = [(0.2, 0.6), (0.7, 1.1), (1.2, 6.0), (6.1, 6.5), (6.6, 11.9)]
    assert uncovered_speech(regions, words, min_gap=1.5) == []
    gaps = uncovered_speech(regions, words, min_gap=1.5, max_word=1.2)
    assert gaps == [(pytest.approx(1.4), pytest.approx(4.5)), (pytest.approx(6.8), pytest.approx(10.4))]


def test_dictionary_prompt_is_unique_and_bounded() -> None:
    assert dictionary_prompt(["Kaltura", "kaltura", " REACH ", ""]) == "Kaltura, REACH."
    assert dictionary_prompt("Kaltura\nWebVTT") == "Kaltura, WebVTT."
    assert dictionary_prompt(None) is None and dictionary_prompt([]) is None
    assert len(dictionary_prompt([f"term{i}" for i in range(200)]) or "") <= 201


def test_non_16k_wav_is_a_media_error(tmp_path: Path) -> None:
    import wave

    path = tmp_path / "cd.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"\0" * 4000)
    with pytest.raises(MediaError, match="16 kHz mono"):
        wav_info(path)

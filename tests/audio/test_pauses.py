"""Speech pauses from voice activity: where audio descriptions can go."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reachflow.asr.base import SAMPLE_RATE
from reachflow.audio import Pause, extract_speech_wav, find_pauses, speech_pauses
from reachflow.voices import Speech
from tests.voices.helpers import to_wav16k


def test_gaps_between_speech_regions_of_at_least_two_seconds() -> None:
    assert find_pauses([(1.0, 3.0), (4.0, 5.0), (8.5, 9.0)], 12.0) == [Pause(5.0, 8.5), Pause(9.0, 12.0)]
    assert find_pauses([], 3.0) == [Pause(0.0, 3.0)]
    assert find_pauses([(0.5, 2.5)], 3.0) == []


def test_pauses_found_in_real_speech_do_not_touch_it(english_speech: Speech, tmp_path: Path) -> None:
    speech = to_wav16k(english_speech, tmp_path / "speech.wav", pad=0.0)
    from reachflow.asr.base import read_wav

    words = read_wav(speech)
    silence = np.zeros(int(3.5 * SAMPLE_RATE), np.float32)
    timeline = np.concatenate([words, silence, words, np.zeros(SAMPLE_RATE // 2, np.float32)])
    wav = tmp_path / "timeline.wav"
    Speech(timeline, SAMPLE_RATE).write_wav(wav)
    # through the media path too: a WAV at another rate becomes the 16 kHz mono WAV VAD reads
    resampled = extract_speech_wav(wav, tmp_path / "speech16k.wav")

    speech_seconds = len(words) / SAMPLE_RATE
    (pause,) = speech_pauses(resampled)
    assert pause.start >= speech_seconds - 0.05  # never over the speech
    assert pause.end <= speech_seconds + 3.5 + 0.05
    assert pause.duration == pytest.approx(3.5, abs=1.0)  # VAD pads speech by ~0.4 s each side

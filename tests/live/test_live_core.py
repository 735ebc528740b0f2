"""The pure part of live captions: the event window, the caption messages, the streaming agreement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from reachflow.captions.profanity import mask_profanity
from reachflow.live.messages import LiveWord, caption_message, end_of_stream_message
from reachflow.live.recognizer import (
    SAMPLE_RATE,
    StreamingRecognizer,
    cut_point,
    drop_repetition,
    encoder_frames,
    new_words,
    settled_words,
)
from reachflow.live.window import LiveWindowError, live_window

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def job_data(start: datetime, end: datetime, event_id: int = 7) -> dict[str, int]:
    return {"scheduledEventId": event_id, "startDate": epoch(start), "endDate": epoch(end)}


def event(start: datetime, end: datetime) -> dict[str, int]:
    return {"id": 7, "startDate": epoch(start), "endDate": epoch(end)}


def test_the_window_is_the_tasks_and_the_event_is_kept() -> None:
    start, end = NOW + timedelta(minutes=5), NOW + timedelta(minutes=65)
    window = live_window(job_data(start - timedelta(minutes=5), end + timedelta(minutes=5)), event(start, end), now=NOW)
    assert window.start == NOW and window.end == end + timedelta(minutes=5)
    assert window.event_start == start and window.event_end == end and window.event_id == 7


@pytest.mark.parametrize(
    ("data", "found", "limit", "reason"),
    [
        ({}, None, None, "names no schedule event"),
        (
            job_data(NOW, NOW + timedelta(hours=1)),
            None,
            None,
            "schedule event 7 of the live-caption task does not exist",
        ),
        (job_data(NOW - timedelta(hours=2), NOW - timedelta(hours=1)), True, None, "is already over"),
        (
            job_data(NOW, NOW + timedelta(hours=3)),
            True,
            7200,
            "lasts 180 min, longer than the catalog item's limit of 120 min",
        ),
    ],
)
def test_windows_that_cannot_be_served(data: dict[str, int], found: object, limit: int | None, reason: str) -> None:
    ev = event(NOW, NOW + timedelta(hours=3)) if found else None
    with pytest.raises(LiveWindowError) as caught:
        live_window(data, ev, now=NOW, duration_limit=limit)
    assert reason in caught.value.err_description


def test_a_message_follows_the_websocket_schema() -> None:
    words = [LiveWord(0.2, 0.68, "Welcome,"), LiveWord(0.7, 1.1, "shit"), LiveWord(1.2, 1.5, "everyone.")]
    message = caption_message(words, is_final=True, stream_epoch=1000.0, speaker_id="spk", mask=mask_profanity)
    response = message["response"]
    assert set(response) == {
        "id",
        "type",
        "start",
        "end",
        "start_pts",
        "start_epoch",
        "is_final",
        "is_end_of_stream",
        "speakers",
        "alternatives",
    }
    assert response["type"] == "captions" and response["is_final"] is True and response["is_end_of_stream"] is False
    assert response["start"] == 0.2 and response["end"] == 1.5 and response["start_epoch"] == 1000.2
    [alternative] = response["alternatives"]
    assert alternative["transcript"] == "Welcome, s*** everyone."
    assert [(i["kind"], i["value"]) for i in alternative["items"]] == [
        ("text", "Welcome"),
        ("punct", ","),
        ("text", "s***"),
        ("text", "everyone"),
        ("punct", "."),
    ]
    assert {i["speaker_id"] for i in alternative["items"]} == {"spk"} == {s["id"] for s in response["speakers"]}
    end = end_of_stream_message(end=9.5, stream_epoch=1000.0, speaker_id="spk")["response"]
    assert end["is_end_of_stream"] is True and end["is_final"] is True and end["alternatives"] == []


class ScriptedDecoder:
    """A decoder that hears a fixed script: every word whose end has arrived, the newest word
    misheard until a later decode (as Whisper does at a window's edge)."""

    def __init__(self, script: list[LiveWord]) -> None:
        self.script = script
        self.offset = 0.0

    def speech(self, samples: np.ndarray) -> list[tuple[float, float]]:
        active = np.flatnonzero(np.abs(samples) > 0.01)
        if not len(active):
            return []
        return [(active[0] / SAMPLE_RATE, active[-1] / SAMPLE_RATE)]

    def words(self, samples: np.ndarray) -> list[LiveWord]:
        seconds = len(samples) / SAMPLE_RATE
        start = self._start
        heard = [w for w in self.script if w.start >= start - 0.01 and w.end <= start + seconds]
        out = [LiveWord(w.start - start, w.end - start, w.text) for w in heard]
        if out:
            last = out[-1]
            out[-1] = LiveWord(last.start, last.end, last.text + "?")
        return out

    _start = 0.0


def test_words_become_final_once_two_decodes_agree_and_all_at_a_pause() -> None:
    script = [LiveWord(i * 0.5, i * 0.5 + 0.4, w) for i, w in enumerate("one two three four five six".split())]
    decoder = ScriptedDecoder(script)
    recognizer = StreamingRecognizer(decoder, step=1.0, pause=0.6)
    speech = np.full(int(3.0 * SAMPLE_RATE), 0.1, dtype=np.float32)
    silence = np.zeros(int(1.0 * SAMPLE_RATE), dtype=np.float32)
    audio = (np.concatenate([speech, silence]) * 32767).astype("<i2").tobytes()
    finals: list[str] = []
    partials = 0
    for offset in range(0, len(audio), 3200):
        decoder._start = recognizer._offset
        for hypothesis in recognizer.feed(audio[offset : offset + 3200]):
            if hypothesis.final:
                finals.extend(w.text for w in hypothesis.words)
            else:
                partials += 1
    decoder._start = recognizer._offset
    finals.extend(w.text for h in recognizer.finish() for w in h.words)
    assert partials >= 1
    assert [w.rstrip("?") for w in finals] == "one two three four five six".split()


class UnsureDecoder(ScriptedDecoder):
    """Hears the script like :class:`ScriptedDecoder`, but hears the window's first word differently
    on every other decode (a word cut at the window's start), and records every window's length."""

    def __init__(self, script: list[LiveWord]) -> None:
        super().__init__(script)
        self.calls = 0
        self.windows: list[float] = []

    def words(self, samples: np.ndarray) -> list[LiveWord]:
        self.calls += 1
        self.windows.append(len(samples) / SAMPLE_RATE)
        out = super().words(samples)
        if out and self.calls % 2:
            first = out[0]
            out[0] = LiveWord(first.start, first.end, first.text + "_")
        return out


def test_continuous_speech_is_final_within_the_settle_time_and_the_window_stays_short() -> None:
    """No pause and no two decodes that agree on the first word: words still become final once
    ``settle`` seconds of audio follow them, each exactly once, and no decode sees more than the
    context, the settle time and a step of audio (the cost of a decode stays bounded)."""
    names = "zero one two three four five six seven eight nine".split()
    script = [LiveWord(i * 0.5, i * 0.5 + 0.4, f"{names[i % 10]}{i}") for i in range(40)]  # 20 s, no pause
    decoder = UnsureDecoder(script)
    recognizer = StreamingRecognizer(decoder, step=1.0, settle=1.5, context=2.0)
    audio = (np.full(int(20.0 * SAMPLE_RATE), 0.1, dtype=np.float32) * 32767).astype("<i2").tobytes()
    finals: list[LiveWord] = []
    late: list[float] = []
    for offset in range(0, len(audio), 3200):
        decoder._start = recognizer._offset
        for hypothesis in recognizer.feed(audio[offset : offset + 3200]):
            if hypothesis.final:
                finals.extend(hypothesis.words)
                late.extend(recognizer.stream_seconds - w.end for w in hypothesis.words)
    decoder._start = recognizer._offset
    finals.extend(w for h in recognizer.finish() for w in h.words)
    assert [w.text.rstrip("?_") for w in finals] == [w.text for w in script]
    assert max(late) <= 1.5 + 1.0 + 0.05
    assert max(decoder.windows) <= 2.0 + 1.5 + 1.0 + 0.5


def test_encoder_reads_the_audio_not_whispers_padding() -> None:
    features = np.zeros((80, 3000), dtype=np.float32)
    features[:, :230] = -0.7  # 2.3 s of log-mel frames, then faster-whisper's zero padding
    assert encoder_frames(features) == 500  # audio + tail, rounded up to 5 s
    features[:, :720] = -1.5  # even digital silence is not an all-zero frame
    assert encoder_frames(features[None]) == 1000
    assert encoder_frames(np.full((80, 3000), 0.3, dtype=np.float32)) == 3000  # a full window
    assert encoder_frames(np.zeros((80, 3000), dtype=np.float32)) == 500


def words_of(text: str, start: float = 0.0) -> list[LiveWord]:
    return [LiveWord(start + i * 0.5, start + i * 0.5 + 0.4, w) for i, w in enumerate(text.split())]


def test_a_decoding_loop_is_cut_after_its_first_round() -> None:
    looped = words_of("and report the reason and report the reason and report the reason and report")
    assert [w.text for w in drop_repetition(looped)] == "and report the reason".split()
    assert [w.text for w in drop_repetition(words_of("Okay okay. Okay, okay"))] == ["Okay"]
    honest = words_of("very very good and the results and the rules")
    assert drop_repetition(honest) == honest


def test_words_heard_again_in_the_context_are_not_final_twice() -> None:
    heard = words_of("every ward. Please wash your hands")  # 0.0-2.9 s; "ward." was final up to 1.0 s
    assert [w.text for w in new_words(heard, 1.0, ["for", "every", "ward."])] == "Please wash your hands".split()
    late = [LiveWord(0.9, 1.3, "ward"), *words_of("Please wash", 1.4)]  # heard again, a little later
    assert [w.text for w in new_words(late, 1.0, ["every", "ward."])] == ["Please", "wash"]
    assert [w.text for w in new_words(late, 1.0, ["every", "word"])] == ["ward", "Please", "wash"]


def test_settled_words_and_where_the_window_starts() -> None:
    words = words_of("one two three four")  # ends 0.4, 0.9, 1.4, 1.9
    assert settled_words(words, 1.0) == 2 and settled_words(words, 0.1) == 0 and settled_words(words, 9) == 4
    assert cut_point(words, 2) == (0.9 + 1.0) / 2  # halfway to the next word
    assert cut_point(words, 4) == 1.9
    overlapping = [LiveWord(0.0, 0.6, "one"), LiveWord(0.5, 0.9, "two")]
    assert cut_point(overlapping, 1) == 0.55  # before the late end of "one", into neither word much

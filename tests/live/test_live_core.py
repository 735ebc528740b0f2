"""The pure part of live captions: the event window, the caption messages, the streaming agreement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from reachflow.captions.profanity import mask_profanity
from reachflow.live.messages import LiveWord, caption_message, end_of_stream_message
from reachflow.live.recognizer import SAMPLE_RATE, StreamingRecognizer
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

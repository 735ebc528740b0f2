"""Caption messages sent to Kaltura over the caption websocket (reach-spec §7.5).

One message per hypothesis::

    {"response": {"id", "type": "captions", "start", "end", "start_pts", "start_epoch",
                  "is_final", "is_end_of_stream", "speakers": [{"id", "label"}],
                  "alternatives": [{"transcript", "start", "end", "start_pts", "start_epoch",
                                    "items": [{"start", "end", "kind": "text"|"punct", "value",
                                               "speaker_id"}]}]}}

Times are seconds from the start of the stream (``start_pts`` the same clock), ``start_epoch`` the
wall-clock time of ``start``. A partial (``is_final`` false) is replaced by the next message; a
final is never revised. The last message has ``is_end_of_stream`` true.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["LiveWord", "caption_message", "end_of_stream_message", "split_items"]

_TRAILING_PUNCT = re.compile(r"^(.*?)([.,!?;:]+)$")


@dataclass(frozen=True)
class LiveWord:
    """A recognised word, its times in seconds from the start of the stream."""

    start: float
    end: float
    text: str


def split_items(
    words: Sequence[LiveWord], speaker_id: str, mask: Callable[[str], str] | None = None
) -> list[dict[str, Any]]:
    """Word items, with trailing punctuation as its own ``punct`` item (at the word's end)."""
    items: list[dict[str, Any]] = []
    for word in words:
        text = word.text.strip()
        if not text:
            continue
        match = _TRAILING_PUNCT.match(text)
        body, punct = (match.group(1), match.group(2)) if match else (text, "")
        if body:
            value = mask(body) if mask else body
            items.append(_item(word.start, word.end, "text", value, speaker_id))
        if punct:
            items.append(_item(word.end, word.end, "punct", punct, speaker_id))
    return items


def _item(start: float, end: float, kind: str, value: str, speaker_id: str) -> dict[str, Any]:
    return {"start": round(start, 3), "end": round(end, 3), "kind": kind, "value": value, "speaker_id": speaker_id}


def _transcript(items: Sequence[dict[str, Any]]) -> str:
    text = ""
    for item in items:
        text += item["value"] if item["kind"] == "punct" or not text else " " + item["value"]
    return text


def caption_message(
    words: Sequence[LiveWord],
    *,
    is_final: bool,
    stream_epoch: float,
    speaker_id: str,
    mask: Callable[[str], str] | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """One caption message for ``words`` (a partial or a final hypothesis).

    Args:
        words: the hypothesis, in order.
        is_final: True once these words will not change.
        stream_epoch: wall-clock time (epoch seconds) of the stream's first sample.
        speaker_id: the speaker's id (one speaker per stream).
        mask: applied to each word (profanity masking), or None.
        message_id: the message id (default: a new UUID).
    """
    items = split_items(words, speaker_id, mask)
    start = items[0]["start"] if items else 0.0
    end = items[-1]["end"] if items else 0.0
    epoch = round(stream_epoch + start, 3)
    alternative = {
        "transcript": _transcript(items),
        "start": start,
        "end": end,
        "start_pts": start,
        "start_epoch": epoch,
        "items": items,
    }
    return {
        "response": {
            "id": message_id or str(uuid.uuid4()),
            "type": "captions",
            "start": start,
            "end": end,
            "start_pts": start,
            "start_epoch": epoch,
            "is_final": is_final,
            "is_end_of_stream": False,
            "speakers": [{"id": speaker_id, "label": None}],
            "alternatives": [alternative],
        }
    }


def end_of_stream_message(*, end: float, stream_epoch: float, speaker_id: str) -> dict[str, Any]:
    """The last message of a stream: final, no words, ``is_end_of_stream`` true."""
    message = caption_message([], is_final=True, stream_epoch=stream_epoch, speaker_id=speaker_id)
    response = message["response"]
    response.update(start=round(end, 3), end=round(end, 3), start_pts=round(end, 3), is_end_of_stream=True)
    response["start_epoch"] = round(stream_epoch + end, 3)
    response["alternatives"] = []
    return message

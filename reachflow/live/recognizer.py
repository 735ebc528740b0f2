"""Streaming recognition: a sliding window over faster-whisper tiny.en, with voice activity.

Audio arrives as 16 kHz mono PCM. Every ``step`` seconds the audio since the last committed word
(at most ``max_window`` seconds) is decoded again:

* no speech in it (Silero VAD): nothing is decoded (an idle stream costs almost nothing);
* the speaker has paused (``pause`` seconds of silence after the last speech): every word heard
  so far is final;
* otherwise the words two consecutive decodes agree on (LocalAgreement-2, compared as normalised
  text) are final, the rest is a partial that the next decode may change;
* a window that grew past ``max_window`` without agreement commits all but its last two words.

Committed words move the window's start to the end of the last committed word, and their text
(with the REACH dictionary, as hotwords) steers the next decode.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from reachflow.live.messages import LiveWord

__all__ = ["Decoder", "Hypothesis", "StreamingRecognizer", "WhisperDecoder"]

SAMPLE_RATE = 16_000


class Decoder(Protocol):
    """Words of a stretch of audio, times in seconds from the stretch's first sample."""

    def words(self, samples: np.ndarray, prompt: str) -> list[LiveWord]: ...

    def speech(self, samples: np.ndarray) -> list[tuple[float, float]]: ...


class WhisperDecoder:
    """faster-whisper tiny.en (int8, greedy), the REACH dictionary as hotwords; Silero VAD."""

    def __init__(self, dictionary: Sequence[str] = (), cpu_threads: int = 1) -> None:
        from reachflow.asr.faster import _load_model
        from reachflow.asr.models import tiny_en_path

        self._model = _load_model(tiny_en_path(), "int8", cpu_threads)
        self._hotwords = ", ".join(t for t in dictionary if t.strip()) or None

    def words(self, samples: np.ndarray, prompt: str) -> list[LiveWord]:
        """Decode ``samples`` (float32, 16 kHz) with word timestamps."""
        segments, _ = self._model.transcribe(
            samples,
            language="en",
            beam_size=1,
            temperature=0.0,
            word_timestamps=True,
            condition_on_previous_text=False,
            initial_prompt=prompt or None,
            hotwords=self._hotwords,
            vad_filter=False,
        )
        found: list[LiveWord] = []
        for segment in segments:
            for word in segment.words or []:
                if word.word.strip():
                    found.append(LiveWord(float(word.start), float(word.end), word.word.strip()))
        return found

    def speech(self, samples: np.ndarray) -> list[tuple[float, float]]:
        """Speech regions (seconds) by the Silero VAD faster-whisper ships."""
        from reachflow.asr.faster import speech_regions

        return speech_regions(samples, min_silence_ms=300)


@dataclass(frozen=True)
class Hypothesis:
    """Words for the caption feed: final ones never change, a partial is replaced by the next."""

    words: tuple[LiveWord, ...]
    final: bool


def _norm(word: str) -> str:
    return re.sub(r"[^\w']", "", word.lower())


@dataclass
class StreamingRecognizer:
    """Feed PCM, get hypotheses (see the module docstring)."""

    decoder: Decoder
    step: float = 1.0
    max_window: float = 10.0
    pause: float = 0.6
    _audio: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    _offset: float = 0.0  # stream time of _audio[0]
    _since_decode: int = 0
    _previous: list[LiveWord] = field(default_factory=list)
    _committed: list[str] = field(default_factory=list)
    _partial_shown: bool = False
    decodes: int = 0

    @property
    def stream_seconds(self) -> float:
        """Seconds of audio received so far."""
        return self._offset + len(self._audio) / SAMPLE_RATE

    def feed(self, pcm: bytes) -> list[Hypothesis]:
        """Add s16le PCM; decode when a step's worth has arrived."""
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float32) / 32768.0
        self._audio = np.concatenate([self._audio, samples])
        self._since_decode += len(samples)
        if self._since_decode < self.step * SAMPLE_RATE:
            return []
        self._since_decode = 0
        return self._decode(final=False)

    def finish(self) -> list[Hypothesis]:
        """The stream ended: everything still open is final."""
        return self._decode(final=True)

    def _prompt(self) -> str:
        return " ".join(self._committed[-24:])

    def _commit(self, words: Sequence[LiveWord], until: float) -> Hypothesis | None:
        cut = int(max(0.0, until - self._offset) * SAMPLE_RATE)
        self._audio = self._audio[cut:]
        self._offset += cut / SAMPLE_RATE
        self._committed.extend(w.text for w in words)
        self._partial_shown = False
        return Hypothesis(tuple(words), True) if words else None

    def _decode(self, *, final: bool) -> list[Hypothesis]:
        seconds = len(self._audio) / SAMPLE_RATE
        if seconds < 0.3:
            return []
        regions = self.decoder.speech(self._audio)
        if not regions:
            # Silence: keep the last second (a word may be starting) and decode nothing.
            self._previous = []
            keep = self._offset + max(0.0, seconds - 1.0)
            self._commit([], keep)
            return []
        self.decodes += 1
        words = [
            LiveWord(self._offset + w.start, self._offset + w.end, w.text)
            for w in self.decoder.words(self._audio, self._prompt())
        ]
        out: list[Hypothesis] = []
        end_of_speech = self._offset + regions[-1][1]
        paused = self.stream_seconds - end_of_speech >= self.pause
        if final or paused:
            done = self._commit(words, min(end_of_speech, self.stream_seconds) if words else end_of_speech)
            self._previous = []
            return [done] if done else []
        agreed = 0
        for old, new in zip(self._previous, words, strict=False):
            if _norm(old.text) != _norm(new.text):
                break
            agreed += 1
        if agreed == 0 and seconds > self.max_window and len(words) > 2:
            agreed = len(words) - 2
        if agreed:
            done = self._commit(words[:agreed], words[agreed - 1].end)
            if done:
                out.append(done)
            words = words[agreed:]
        self._previous = words
        if words:
            out.append(Hypothesis(tuple(words), False))
            self._partial_shown = True
        return out

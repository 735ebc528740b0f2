"""Streaming recognition: a sliding window over faster-whisper tiny.en, with voice activity.

Audio arrives as 16 kHz mono PCM. Every ``step`` seconds the audio since the last committed word
(at most ``max_window`` seconds) is decoded again:

* no speech in it (Silero VAD): nothing is decoded (an idle stream costs almost nothing);
* the speaker has paused (``pause`` seconds of silence after the last speech): every word heard
  so far is final;
* otherwise the words two consecutive decodes agree on (LocalAgreement-2, compared as normalised
  text) are final, and so are the leading words that ended ``settle`` seconds or more before the
  newest audio (Whisper rarely changes a word once it has that much audio after it; without this
  rule one unstable first word held a whole sentence back for seconds); the rest is a partial
  that the next decode may change;
* a window that grew past ``max_window`` without agreement commits all but its last two words.

The window starts ``context`` seconds before the point between the last final word and the next
one: the decode hears the final words' end again as context (those words are dropped from its
hypothesis), and the window, and with it the cost of a decode, stays a few seconds long (WER of the
bench talk: 0.32 with no context, 0.09 with 2 s, 0.08 with 3 s). The REACH dictionary
steers every decode as hotwords. The committed text is not given as a prompt: with it tiny.en
returned nothing, or looped, for stretches of a talk (WER of the bench talk 0.46 with the prompt,
0.17 without).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from reachflow.live.messages import LiveWord

__all__ = [
    "Decoder",
    "Hypothesis",
    "StreamingRecognizer",
    "WhisperDecoder",
    "cut_point",
    "drop_repetition",
    "encoder_frames",
    "new_words",
    "settled_words",
]

SAMPLE_RATE = 16_000


class Decoder(Protocol):
    """Words of a stretch of audio, times in seconds from the stretch's first sample."""

    def words(self, samples: np.ndarray) -> list[LiveWord]: ...

    def speech(self, samples: np.ndarray) -> list[tuple[float, float]]: ...


FRAMES_PER_SECOND = 100  # Whisper's log-mel frames
ENCODER_BUCKET = 500  # encoder input is rounded up to 5 s: shorter inputs made tiny.en loop on a 1-2 s window
ENCODER_TAIL = 50  # frames of padding kept after the audio: the model sees where speech stops
TOKENS_PER_SECOND = 8  # fast speech is ~4 words (5-6 tokens) a second, timestamps included
MAX_NEW_TOKENS = 200  # with the prompt, well under Whisper's 448-token context


def encoder_frames(features: np.ndarray) -> int:
    """How many log-mel frames of ``features`` the encoder needs: the audio, not Whisper's padding.

    faster-whisper pads every window's log-mel spectrogram with exact zeros to 30 s (3,000 frames),
    and the encoder's cost grows with its input (on this machine one tiny.en pass over 3,000
    frames took 1.3 s, over 600 frames 0.12 s). A frame computed from audio, even from digital
    silence, is never all zeros (the log is clamped and shifted), so the padding is the run of
    all-zero frames at the end. The frames kept are the audio plus ``ENCODER_TAIL`` frames,
    rounded up to ``ENCODER_BUCKET``, at most the input's length.
    """
    frames = int(features.shape[-1])
    columns = features.reshape(-1, frames)
    nonzero = np.flatnonzero(np.any(columns != 0, axis=0))
    content = int(nonzero[-1]) + 1 if len(nonzero) else 0
    wanted = -(-(content + ENCODER_TAIL) // ENCODER_BUCKET) * ENCODER_BUCKET
    return min(frames, max(ENCODER_BUCKET, wanted))


@functools.cache
def short_window_class() -> type:
    """faster-whisper's ``WhisperModel`` whose encoder reads only the frames that hold audio (made
    on first use: importing faster-whisper loads CTranslate2)."""
    from faster_whisper import WhisperModel

    class ShortWindowWhisper(WhisperModel):  # type: ignore[misc]
        def encode(self, features: np.ndarray) -> Any:
            return super().encode(features[..., : encoder_frames(features)])

    return ShortWindowWhisper


_LIVE_MODELS: dict[int, Any] = {}
_LIVE_MODELS_LOCK = threading.Lock()


def live_model(cpu_threads: int = 1) -> Any:
    """tiny.en (int8) for live decoding, loaded once per process: a model of its own (the shared
    file-captioning model keeps Whisper's 30 s encoder window), whose encoder skips the padding."""
    from reachflow.asr.faster import _new_model
    from reachflow.asr.models import tiny_en_path

    with _LIVE_MODELS_LOCK:
        model = _LIVE_MODELS.get(cpu_threads)
        if model is None:
            model = _new_model(tiny_en_path(), "int8", cpu_threads)
            model.__class__ = short_window_class()
            _LIVE_MODELS[cpu_threads] = model
        return model


class WhisperDecoder:
    """faster-whisper tiny.en (int8, greedy), the REACH dictionary as hotwords; Silero VAD.

    The encoder reads only the window's audio (:func:`encoder_frames`), not 30 s of padding: a
    decode of a few seconds costs a few hundred milliseconds instead of seconds.
    """

    def __init__(self, dictionary: Sequence[str] = (), cpu_threads: int = 1) -> None:
        self._model = live_model(cpu_threads)
        self._hotwords = ", ".join(t for t in dictionary if t.strip()) or None

    def words(self, samples: np.ndarray) -> list[LiveWord]:
        """Decode ``samples`` (float32, 16 kHz) with word timestamps.

        At most :data:`TOKENS_PER_SECOND` tokens per second of audio are generated: when tiny.en
        falls into a loop on a short window it otherwise repeats a phrase up to Whisper's 448
        tokens, a decode of seconds instead of tenths.
        """
        segments, _ = self._model.transcribe(
            samples,
            language="en",
            beam_size=1,
            temperature=0.0,
            word_timestamps=True,
            condition_on_previous_text=False,
            hotwords=self._hotwords,
            vad_filter=False,
            max_new_tokens=min(MAX_NEW_TOKENS, int(TOKENS_PER_SECOND * len(samples) / SAMPLE_RATE) + 8),
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


def drop_repetition(words: Sequence[LiveWord], times: int = 3, longest: int = 4) -> list[LiveWord]:
    """``words`` up to a loop: a phrase of 1 to ``longest`` words said ``times`` times in a row
    (compared as normalised text) is kept once and everything after it is dropped.

    tiny.en on a short window sometimes repeats a phrase until its token budget runs out ("and
    report the reason and report the reason and report …"); such a tail must never become final.
    """
    texts = [_norm(w.text) for w in words]
    for i in range(len(texts)):
        for n in range(1, longest + 1):
            if i + times * n > len(texts):
                break
            phrase = texts[i : i + n]
            if all(texts[i + k * n : i + (k + 1) * n] == phrase for k in range(1, times)):
                return list(words[: i + n])
    return list(words)


def settled_words(words: Sequence[LiveWord], before: float) -> int:
    """How many leading ``words`` ended at or before ``before`` (stream seconds)."""
    count = 0
    for word in words:
        if word.end > before:
            break
        count += 1
    return count


def cut_point(words: Sequence[LiveWord], committed: int) -> float:
    """Where the window starts after the first ``committed`` words are final: halfway between the
    last final word's end and the next word's start (Whisper's word ends are often a little late,
    and a window that starts inside a word mishears it), at the final word's end when no word follows.
    """
    end = words[committed - 1].end
    if committed < len(words):
        return (end + words[committed].start) / 2
    return end


def new_words(words: Sequence[LiveWord], committed_until: float, committed_tail: Sequence[str]) -> list[LiveWord]:
    """The words of a decode that are not final yet.

    The window starts ``context`` seconds before the last final word, so a decode hears the end
    of what is already final again: words whose middle lies before ``committed_until`` are
    dropped, and so are up to three leading words that repeat the last final ones (a final word
    heard again a little later than before).
    """
    fresh = [w for w in words if (w.start + w.end) / 2 > committed_until]
    tail = [_norm(t) for t in committed_tail]
    for k in range(min(3, len(tail), len(fresh)), 0, -1):
        if [_norm(w.text) for w in fresh[:k]] == tail[-k:] and fresh[k - 1].start < committed_until + 0.5:
            return fresh[k:]
    return fresh


@dataclass
class StreamingRecognizer:
    """Feed PCM, get hypotheses (see the module docstring)."""

    decoder: Decoder
    step: float = 1.0
    max_window: float = 10.0
    pause: float = 0.6
    settle: float = 1.0
    context: float = 3.0
    _audio: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    _offset: float = 0.0  # stream time of _audio[0]
    _committed_until: float = 0.0  # stream time where the words that are not final yet begin
    _committed_tail: list[str] = field(default_factory=list)
    _since_decode: int = 0
    _previous: list[LiveWord] = field(default_factory=list)
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

    def _commit(self, words: Sequence[LiveWord], until: float, context: float) -> Hypothesis | None:
        """``words`` are final up to stream time ``until``; the window keeps ``context`` seconds before it."""
        self._committed_until = max(self._committed_until, until)
        cut = int(max(0.0, self._committed_until - context - self._offset) * SAMPLE_RATE)
        self._audio = self._audio[cut:]
        self._offset += cut / SAMPLE_RATE
        if words:
            self._committed_tail = [*self._committed_tail, *(w.text for w in words)][-3:]
        return Hypothesis(tuple(words), True) if words else None

    def _decode(self, *, final: bool) -> list[Hypothesis]:
        if self.stream_seconds - self._committed_until < 0.3:
            return []
        regions = [(a, b) for a, b in self.decoder.speech(self._audio) if self._offset + b > self._committed_until]
        if not regions:
            # Silence since the last final word: keep the last second (a word may be starting), decode nothing.
            self._previous = []
            self._commit([], self.stream_seconds - 1.0, context=0.0)
            return []
        self.decodes += 1
        heard = [
            LiveWord(self._offset + w.start, self._offset + w.end, w.text) for w in self.decoder.words(self._audio)
        ]
        words = drop_repetition(new_words(heard, self._committed_until, self._committed_tail))
        out: list[Hypothesis] = []
        end_of_speech = self._offset + regions[-1][1]
        paused = self.stream_seconds - end_of_speech >= self.pause
        if final or paused:
            until = min(end_of_speech, self.stream_seconds) if words else end_of_speech
            done = self._commit(words, until, context=0.0)
            self._previous = []
            return [done] if done else []
        agreed = 0
        for old, new in zip(self._previous, words, strict=False):
            if _norm(old.text) != _norm(new.text):
                break
            agreed += 1
        agreed = max(agreed, settled_words(words, self.stream_seconds - self.settle))
        if agreed == 0 and self.stream_seconds - self._committed_until > self.max_window and len(words) > 2:
            agreed = len(words) - 2
        if agreed:
            done = self._commit(words[:agreed], cut_point(words, agreed), self.context)
            if done:
                out.append(done)
            words = words[agreed:]
        self._previous = words
        if words:
            out.append(Hypothesis(tuple(words), False))
        return out

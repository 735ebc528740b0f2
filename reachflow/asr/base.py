"""The speech-engine interface, and the bounded-memory WAV windowing every engine shares.

An engine turns a 16 kHz mono 16-bit WAV (made by the media layer) into timed words. Media can
be hours long, so no engine may load a file whole: :func:`plan_windows` cuts the file into
windows of a few minutes at the quietest moment near each window's end, with a few seconds of
overlap so the words next to a cut are heard with context on both sides, and
:func:`merge_window_words` keeps each word from exactly one window.
"""

from __future__ import annotations

import os
import re
import wave
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, TypeAlias, runtime_checkable

from reachflow.errors import MediaError

if TYPE_CHECKING:
    # numpy is imported where samples are read, not at import: a flow-run process imports this
    # module (through tasks/asr.py) before it sets its task PROCESSING.
    import numpy as np

__all__ = [
    "SAMPLE_RATE",
    "AudioSource",
    "ProgressCallback",
    "RecognizedSegment",
    "RecognizedWord",
    "SpeechEngine",
    "Transcript",
    "WavInfo",
    "Window",
    "WordPiece",
    "dictionary_prompt",
    "join_word_pieces",
    "merge_window_words",
    "plan_windows",
    "read_wav",
    "wav_info",
]

SAMPLE_RATE = 16_000

AudioSource: TypeAlias = "str | os.PathLike[str]"
"""A path to a 16 kHz mono 16-bit PCM WAV file."""

ProgressCallback: TypeAlias = Callable[[float, float], None]
"""``on_progress(seconds_done, total_seconds)``, called after each window."""


@dataclass(frozen=True, slots=True)
class RecognizedWord:
    """One recognised word: times in seconds from the start of the media."""

    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class RecognizedSegment:
    """A stretch of text as the engine grouped it (roughly a sentence or a 30 s window)."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    """The outcome of one ``transcribe`` call.

    Attributes:
        words: every word in time order, with media-absolute times.
        language: the ISO 639-1 code the engine decoded with.
        language_probability: the engine's confidence in ``language`` (1.0 when it was forced).
        duration: the audio's duration in seconds.
        segments: the engine's own grouping of the words.
        engine: the engine's name (``faster-whisper``, ``openai-whisper``).
        model: the model's name (``tiny.en``, ``base`` or a path).
        recovered: stretches (start, end) the dropped-speech guard re-ran and spliced in.
        uncovered: stretches (start, end) where voice activity detection hears speech but no word
            was recognised even after every re-decode (should be empty; the job report lists them).
        passes: decoding passes run, in order, e.g. ``["tiny.en+prompt", "tiny.en re-decode 3 stretches"]``.
        snapped: dictionary corrections made after recognition, ``(heard, term)`` pairs.
        quality: the quality mode the transcript was made in (``fast`` or ``best``).
    """

    words: list[RecognizedWord]
    language: str
    language_probability: float
    duration: float
    segments: list[RecognizedSegment] = field(default_factory=list)
    engine: str = ""
    model: str = ""
    recovered: list[tuple[float, float]] = field(default_factory=list)
    uncovered: list[tuple[float, float]] = field(default_factory=list)
    passes: list[str] = field(default_factory=list)
    snapped: list[tuple[str, str]] = field(default_factory=list)
    quality: str = "fast"

    def __setstate__(self, state: dict[str, object]) -> None:
        # Transcripts pickled before a field existed load with that field's default.
        defaults: dict[str, object] = {"recovered": [], "uncovered": [], "passes": [], "snapped": [], "quality": "fast"}
        self.__dict__.update({**defaults, **state})

    @property
    def text(self) -> str:
        """The words joined with single spaces."""
        return " ".join(w.text for w in self.words)


@runtime_checkable
class SpeechEngine(Protocol):
    """What the captions flow needs from a recogniser."""

    name: str
    model_name: str

    def transcribe(
        self,
        audio: AudioSource,
        *,
        language: str | None = None,
        dictionary: Sequence[str] | str | None = None,
        hotwords: str | None = None,
        initial_prompt: str | None = None,
        word_timestamps: bool = True,
        vad_filter: bool = True,
        on_progress: ProgressCallback | None = None,
        quality: Literal["fast", "best"] = "fast",
    ) -> Transcript:
        """Recognise the speech in ``audio`` (a 16 kHz mono WAV path), window by window.

        ``quality="best"`` may use a larger model where the engine has one (see
        :mod:`reachflow.asr.quality`); engines without one decode as in ``fast``.
        """
        ...

    def detect_language(self, audio: AudioSource | np.ndarray) -> tuple[str, float, list[tuple[str, float]]]:
        """Spoken language of (the first 30 s of) ``audio``: ``(code, probability, top_k)``."""
        ...


# --------------------------------------------------------------------------------------------
# WAV access in bounded memory


@dataclass(frozen=True, slots=True)
class WavInfo:
    path: Path
    sample_rate: int
    frames: int

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


def wav_info(path: AudioSource) -> WavInfo:
    """Header facts of a 16 kHz mono 16-bit WAV; anything else is a :class:`MediaError`.

    The media layer decodes every flavor to exactly this format, so a mismatch means a bug or a
    corrupt file upstream, not something to resample silently here.
    """
    p = Path(path)
    try:
        with wave.open(str(p), "rb") as w:
            rate, channels, width, frames = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
    except FileNotFoundError:
        raise MediaError(f"audio file not found: {p.name}") from None
    except (wave.Error, EOFError) as exc:
        raise MediaError(f"audio is not a readable WAV file ({exc})") from None
    if rate != SAMPLE_RATE or channels != 1 or width != 2:
        raise MediaError(f"audio must be 16 kHz mono 16-bit WAV, got {rate} Hz, {channels} channel(s), {8 * width}-bit")
    return WavInfo(path=p, sample_rate=rate, frames=frames)


def read_wav(path: AudioSource, start: float = 0.0, end: float | None = None) -> np.ndarray:
    """Samples ``[start, end)`` seconds of a 16 kHz mono WAV as float32 in [-1, 1]."""
    import numpy as np

    info = wav_info(path)
    first = max(0, round(start * SAMPLE_RATE))
    last = info.frames if end is None else min(info.frames, round(end * SAMPLE_RATE))
    if last <= first:
        return np.zeros(0, dtype=np.float32)
    with wave.open(str(info.path), "rb") as w:
        w.setpos(first)
        raw = w.readframes(last - first)
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def iter_wav_blocks(path: AudioSource, block_seconds: float = 60.0) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(start_seconds, samples)`` blocks of at most ``block_seconds`` each."""
    import numpy as np

    info = wav_info(path)
    block = max(1, int(block_seconds * SAMPLE_RATE))
    with wave.open(str(info.path), "rb") as w:
        pos = 0
        while pos < info.frames:
            raw = w.readframes(min(block, info.frames - pos))
            if not raw:
                break
            samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
            yield pos / SAMPLE_RATE, samples
            pos += len(samples)


# --------------------------------------------------------------------------------------------
# Windows


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch to transcribe (``start``–``end``) and the part of it whose words we keep.

    ``keep_from``/``keep_to`` are the cut points; the overlap beyond them only gives the model
    context, and words whose midpoint lies there come from the neighbouring window instead.
    """

    start: float
    end: float
    keep_from: float
    keep_to: float


def _quietest_point(path: AudioSource, start: float, end: float) -> float:
    """The centre of the quietest ~0.3 s in ``[start, end]``: most likely a pause between words."""
    import numpy as np

    samples = read_wav(path, start, end)
    hop = int(0.05 * SAMPLE_RATE)
    n = len(samples) // hop
    if n < 3:
        return (start + end) / 2
    rms = np.sqrt(np.mean(samples[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    smooth = np.convolve(rms, np.ones(6) / 6, mode="same")
    # Among equally quiet frames prefer the one nearest the window's end (fewer windows).
    best = int(np.flatnonzero(smooth <= smooth.min() * 1.05 + 1e-9)[-1])
    return start + (best + 0.5) * hop / SAMPLE_RATE


def plan_windows(path: AudioSource, window_seconds: float = 600.0, overlap_seconds: float = 4.0) -> list[Window]:
    """Cut a WAV into windows of at most ``window_seconds``, each cut at a quiet moment.

    The cut for a window is searched in its last quarter (so windows stay close to the requested
    length) and reads only that stretch from disk.

    Args:
        path: the 16 kHz mono WAV.
        window_seconds: the longest window to hand to an engine.
        overlap_seconds: context each window gets beyond its cut points (split half each side).
    """
    if window_seconds <= overlap_seconds * 2:
        raise ValueError("window_seconds must be more than twice overlap_seconds")
    duration = wav_info(path).duration
    half = overlap_seconds / 2
    windows: list[Window] = []
    pos = 0.0
    keep_from = 0.0
    while True:
        if duration - pos <= window_seconds:
            windows.append(Window(pos, duration, keep_from, duration))
            return windows
        zone_end = pos + window_seconds - half
        zone_start = max(pos + half + 1.0, pos + window_seconds * 0.75)
        cut = _quietest_point(path, zone_start, zone_end)
        windows.append(Window(pos, cut + half, keep_from, cut))
        keep_from = cut
        pos = cut - half


_WORD_KEY = re.compile(r"[^\w]+", re.UNICODE)


def _word_key(text: str) -> str:
    return _WORD_KEY.sub("", text.lower())


def merge_window_words(
    per_window: Sequence[tuple[Window, Sequence[RecognizedWord]]],
) -> list[RecognizedWord]:
    """Join the words of consecutive windows into one list, each spoken word once.

    Each window contributes the words whose midpoint lies in its keep range. Because a cut sits
    in a pause this is almost always exact; the one case left, the same word reported by both
    windows with midpoints either side of the cut, is removed by comparing the boundary words.

    Args:
        per_window: ``(window, words)`` in window order, word times already media-absolute.
    """
    merged: list[RecognizedWord] = []
    for index, (window, words) in enumerate(per_window):
        last = index == len(per_window) - 1
        kept = [
            w
            for w in words
            if window.keep_from <= (w.start + w.end) / 2 and ((w.start + w.end) / 2 < window.keep_to or last)
        ]
        kept.sort(key=lambda w: (w.start, w.end))
        if merged and kept:
            prev, first = merged[-1], kept[0]
            if _word_key(prev.text) == _word_key(first.text) and first.start < prev.end + 0.2:
                # Same word heard by both windows either side of the cut: keep the surer one.
                if first.probability > prev.probability:
                    merged[-1] = first
                kept = kept[1:]
        merged.extend(kept)
    return merged


# --------------------------------------------------------------------------------------------
# Words from word pieces

# Scripts written without spaces between words: each piece the engine reports is its own word.
NO_SPACE_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "my", "yue", "km", "bo"})
# A piece that opens a segment but cannot start a word (",000", ".5", "%", "'s", "-rescue").
_CONTINUATION = re.compile(r"^(?:[,.%)\]}!?;:'’]|-\w)")


@dataclass(frozen=True, slots=True)
class WordPiece:
    """What Whisper's aligner reports as a "word": a run of tokens, its text with its leading space.

    Whisper starts a new piece at every token with a leading space *and* at every punctuation
    token, so "$45,000" arrives as ``" $45"`` + ``",000"`` and "12.5%" as ``" 12"`` + ``".5"`` + ``"%"``.
    """

    start: float
    end: float
    text: str
    probability: float


def join_word_pieces(
    segments: Iterable[Sequence[WordPiece]], language: str | None = None, *, max_gap: float = 0.5
) -> list[RecognizedWord]:
    """Words as a reader sees them: pieces without a leading space joined to the word before.

    In a language written with spaces, a piece that does not start with whitespace continues
    the previous word: numbers ("$45" ",000"), decimals ("12" ".5" "%"), hyphenated and
    apostrophe forms ("post" "-rescue", "team" "'s"). Within a segment this is exact (the pieces
    concatenate to the segment's text); a segment's first piece is joined to the previous
    segment's last word only when it cannot start a word (",000", ".5", "'s") and follows within
    ``max_gap`` seconds. In languages written without spaces (Chinese, Japanese, Thai, ...) every
    piece stays a word of its own, so lines can still break between them.

    A joined word spans its pieces' times; its probability is the lowest of its pieces' (the
    word is right only if every piece is).

    Args:
        segments: the engine's pieces, grouped by segment, in time order.
        language: ISO 639-1 code of the text (``None``: written with spaces).
        max_gap: longest pause (s) across which a segment's first piece may still be joined.

    Returns:
        The words, whitespace stripped, none empty.
    """
    spaced = _base_code(language) not in NO_SPACE_LANGUAGES
    words: list[RecognizedWord] = []
    for segment in segments:
        first = True
        for piece in segment:
            text = piece.text
            stripped = " ".join(text.split())
            if not stripped:
                continue
            joins = spaced and bool(words) and not text[:1].isspace()
            if joins and first:
                joins = bool(_CONTINUATION.match(stripped)) and piece.start - words[-1].end <= max_gap
            first = False
            if joins:
                prev = words[-1]
                words[-1] = RecognizedWord(
                    prev.start,
                    max(prev.end, float(piece.end)),
                    prev.text + stripped,
                    min(prev.probability, float(piece.probability)),
                )
            else:
                words.append(RecognizedWord(float(piece.start), float(piece.end), stripped, float(piece.probability)))
    return words


def _base_code(language: str | None) -> str:
    return (language or "").replace("_", "-").split("-")[0].strip().lower()


def dictionary_prompt(dictionary: Sequence[str] | str | None) -> str | None:
    """The REACH dictionary as a Whisper prompt: unique terms, comma separated, at most ~200 chars.

    Whisper reads the prompt as preceding text, so a short list of spellings steers it towards
    them ("Kaltura" instead of "culture"); a long prompt eats the decoder's context, hence the cap.
    """
    if dictionary is None:
        return None
    if isinstance(dictionary, str):
        terms = [t.strip() for t in re.split(r"[,\n;]", dictionary)]
    else:
        terms = [str(t).strip() for t in dictionary]
    seen: set[str] = set()
    unique: list[str] = []
    for term in terms:
        if term and term.lower() not in seen:
            seen.add(term.lower())
            unique.append(term)
    if not unique:
        return None
    prompt = ""
    for term in unique:
        candidate = f"{prompt}, {term}" if prompt else term
        if len(candidate) > 200:
            break
        prompt = candidate
    return prompt + "."

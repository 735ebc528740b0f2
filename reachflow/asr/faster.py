"""The default engine: faster-whisper (CTranslate2) with offline models, the coverage guard and dictionary snapping.

What ``transcribe`` adds to faster-whisper's own decoding, each for a failure measured here:

* **words, not pieces**: Whisper's aligner reports "$45,000" as " $45" + ",000" and "12.5%" as three
  pieces; they are joined (:func:`reachflow.asr.base.join_word_pieces`) before anything counts words;
* **coverage**: with a prompt or hotwords (our REACH dictionary), tiny.en on long audio silently
  skipped whole runs of sentences, up to 286 of 466 words (shared/notes/asr-quality.md §4.2). After
  each window, Silero VAD's speech is compared with the recognised words; every stretch of speech
  longer than ``guard_min_gap`` that no word covers is decoded again (without the prompt, then with
  a wider window on the fallback model) and spliced in. What no pass covers is reported on the
  transcript (``uncovered``);
* **dictionary snapping**: near misses of dictionary terms are corrected after recognition
  (:mod:`reachflow.asr.vocabulary`); words that only sound like a term ("Google" for "Moodle") are
  weighed on the audio by two listeners (:meth:`FasterWhisperEngine._weigher`);
* **numbers heard twice**: a number tiny.en was unsure of ("page 40" for "fourteen") is decoded
  again by base, whose hearing wins when it is more confident (:func:`reachflow.asr.cleanup.recheck_numbers`);
* **"-teen" / "-ty"**: a number below 0.9 confidence with a confusable twin ("40" / "14") is weighed on
  the audio the way a sound-alike term is, by base (tiny.en's own score repeats its mishearing), and
  the twin is taken when it is ``NUMBER_GAIN`` more likely; where the audio leaves it open, the number
  is heard again around its sentence by both models and the more confident hearing wins
  (:func:`reachflow.asr.cleanup.weigh_confusable_numbers`, :meth:`FasterWhisperEngine._hearings`);
* **quality mode**: ``quality="best"`` decodes English with multilingual base (:mod:`reachflow.asr.quality`).
"""

from __future__ import annotations

import ctypes
import functools
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ctranslate2
import numpy as np

from reachflow.asr.base import (
    SAMPLE_RATE,
    AudioSource,
    ProgressCallback,
    RecognizedSegment,
    RecognizedWord,
    Transcript,
    Window,
    WordPiece,
    dictionary_prompt,
    join_word_pieces,
    merge_window_words,
    plan_windows,
    read_wav,
    wav_info,
)
from reachflow.asr.cleanup import Hearings, recheck_numbers, weigh_confusable_numbers
from reachflow.asr.models import ModelUnavailable, is_multilingual, resolve_model
from reachflow.asr.vocabulary import Confirm, Weigh, Weighed, snap_to_dictionary
from reachflow.errors import UnsupportedJob

os.environ.setdefault("HF_HUB_OFFLINE", "1")

__all__ = [
    "MAX_WORD_SECONDS",
    "FasterWhisperEngine",
    "Quality",
    "drop_squeezed_words",
    "mend_timing_slips",
    "sentence_around",
    "speech_regions",
    "splice_hidden_words",
    "squeezed_runs",
    "stretched_words",
    "uncovered_speech",
]

Quality = Literal["fast", "best"]
# A recognised word covers at most this much speech when coverage is tested: after a skip,
# Whisper's aligner stretches the next segment's words over the speech it jumped.
MAX_WORD_SECONDS = 1.2
# A word heard below STRETCHED_WORD_P and lasting at least STRETCHED_WORD_SECONDS may hide a skip
# too short for the coverage test (espeak en+f3: "transcript [as plain text] for students" came
# out "transcript for students", "for" at p 0.014 over 1.08 s): its sentence is decoded again.
STRETCHED_WORD_P = 0.05
STRETCHED_WORD_SECONDS = 0.8
SENTENCE_PAUSE = 0.5  # a pause this long between words ends a sentence when no punctuation does
# Three or more words packed into less than SQUEEZED_WORD_SECONDS each, doubtful on average, are
# words the audio does not hold: a prompted decode looping back over its own text (Piper: "we plan
# to [do the handbook. We plan to] caption", six words in 0.26 s at p 0.001–0.9). Decoded again too.
SQUEEZED_WORD_SECONDS = 0.1
MAX_DICTIONARY_CHECKS = 200  # re-decodes per transcript for "is this ordinary word the term?" (~0.5 s each)
CHECK_CONTEXT = 2.0  # seconds of audio each side of a word being checked

_MODELS: dict[tuple[str, str, int], Any] = {}
_MODELS_LOCK = threading.Lock()


def _new_model(path: Path, compute_type: str, cpu_threads: int) -> Any:
    from faster_whisper import WhisperModel

    try:
        model = WhisperModel(str(path), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelUnavailable(f"cannot load speech model at {path}: {exc}") from exc
    model.feature_extractor = _lean_feature_extractor(model.feature_extractor)
    _use_lean_vad()
    return model


def _load_model(path: Path, compute_type: str, cpu_threads: int, *, keep: bool = True) -> Any:
    """One ``WhisperModel`` per (folder, compute type, threads) per process: loading costs 0.2–1 s
    and ~150–300 MB, and a worker runs many jobs.

    With ``keep=False`` a model that is not already shared is loaded for the caller alone and not
    kept (the caller drops it when done: language ID's base must not stay resident beside the
    recognition model for the rest of the job).
    """
    key = (str(path), compute_type, cpu_threads)
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            model = _new_model(path, compute_type, cpu_threads)
            if keep:
                _MODELS[key] = model
        return model


_libc: Any = None  # glibc, once looked up (False: not available)


def release_memory() -> None:
    """Hand freed heap memory back to the operating system (glibc ``malloc_trim``; else nothing).

    CTranslate2 and numpy free their buffers, but glibc keeps most freed blocks under its mmap
    threshold in the process: after a model is dropped or a window's arrays die, the resident
    size only falls once the heap is trimmed.
    """
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL("libc.so.6")
            _libc.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):
            _libc = False
    if _libc:
        _libc.malloc_trim(0)


# --------------------------------------------------------------------------------------------
# Log-mel features in bounded memory


def _lean_feature_extractor(extractor: Any) -> Any:
    """``extractor`` (faster-whisper's stock one) as a chunked one with the same settings."""
    from faster_whisper.feature_extractor import FeatureExtractor

    if type(extractor) is not FeatureExtractor:
        return extractor
    cls = chunked_feature_extractor_class()
    lean: Any = object.__new__(cls)
    lean.__dict__.update(extractor.__dict__)
    return lean


@functools.cache
def chunked_feature_extractor_class() -> type:
    """The class is made on first use: importing faster-whisper loads CTranslate2 and PyAV."""
    from faster_whisper.feature_extractor import FeatureExtractor

    class ChunkedFeatureExtractor(FeatureExtractor):  # type: ignore[misc]
        """faster-whisper's log-mel spectrogram, computed a few thousand frames at a time.

        The stock extractor builds the whole STFT of its input at once: for a 300 s window that
        is ~30,000 frames × 400 samples, then their complex spectrum, its copy and magnitudes,
        about 250 MB for a fraction of a second, the job's highest memory peak. Here frames are
        windowed, transformed and mel-filtered ``chunk_frames`` at a time into the output, then
        the same log, clamp and scaling run on the whole spectrogram: the same numbers (every
        frame's FFT and mel sum is computed exactly as before) in a few MB.
        """

        chunk_frames = 4096  # ~41 s of 10 ms frames

        def __call__(self, waveform: np.ndarray, padding: int = 160, chunk_length: int | None = None) -> np.ndarray:
            if chunk_length is not None:
                self.n_samples = chunk_length * self.sampling_rate
                self.nb_max_frames = self.n_samples // self.hop_length
            if waveform.ndim != 1 or len(waveform) + padding <= self.n_fft:
                stock: np.ndarray = super().__call__(waveform, padding=padding)
                return stock
            n_fft, hop = self.n_fft, self.hop_length
            half = n_fft // 2
            # np.pad(np.pad(waveform, (0, padding)), half, mode="reflect") in one buffer.
            length = len(waveform) + padding
            padded = np.zeros(half + length + half, dtype=np.float32)
            signal = padded[half : half + length]
            signal[: len(waveform)] = waveform
            padded[:half] = signal[half:0:-1]
            padded[half + length :] = signal[length - 1 - half : length - 1][::-1]
            n_frames = 1 + (len(padded) - n_fft) // hop
            window = np.hanning(n_fft + 1)[:-1].astype("float32")
            frames = np.lib.stride_tricks.as_strided(
                padded, (n_frames, n_fft), (hop * padded.strides[0], padded.strides[0]), writeable=False
            )
            kept = n_frames - 1  # the stock extractor drops the last STFT frame
            log_spec = np.empty((self.mel_filters.shape[0], kept), dtype=np.result_type(self.mel_filters, np.float32))
            for start in range(0, kept, self.chunk_frames):
                stop = min(kept, start + self.chunk_frames)
                spectrum = np.fft.rfft(frames[start:stop] * window, n=n_fft, axis=-1).astype("complex64")
                magnitudes = np.abs(spectrum.T) ** 2
                log_spec[:, start:stop] = self.mel_filters @ magnitudes
            del spectrum, magnitudes, frames, signal, padded
            np.clip(log_spec, 1e-10, None, out=log_spec)
            np.log10(log_spec, out=log_spec)
            np.maximum(log_spec, log_spec.max() - 8.0, out=log_spec)
            log_spec += 4.0
            log_spec /= 4.0
            return log_spec

    return ChunkedFeatureExtractor


@functools.cache
def lean_vad_class() -> type:
    """faster-whisper's Silero VAD, run on fewer windows per ONNX call (made on first use)."""
    from faster_whisper.vad import SileroVADModel

    class LeanSileroVAD(SileroVADModel):  # type: ignore[misc]
        """The same speech probabilities from ``batch_windows`` windows per ONNX call, not 10,000.

        The stock model hands the ONNX session up to 10,000 windows of 32 ms (5.3 minutes) at a
        time; on a 300 s recognition window that is ~100 MB of activations at once. The LSTM
        state is carried from call to call as the stock code does, so the output is the same
        (identical on a 300 s window, batches of 500 against 10,000) for ~30 MB.
        """

        batch_windows = 500

        def __call__(self, audio: np.ndarray, num_samples: int = 512, context_size_samples: int = 64) -> np.ndarray:
            assert audio.ndim == 1, "Input should be a 1D array"
            assert audio.shape[0] % num_samples == 0, "Input size should be a multiple of num_samples"
            h = np.zeros((1, 1, 128), dtype="float32")
            c = np.zeros((1, 1, 128), dtype="float32")
            batched_audio = audio.reshape(-1, num_samples)
            context = batched_audio[..., -context_size_samples:]
            context[-1] = 0
            context = np.roll(context, 1, 0)
            batched_audio = np.concatenate([context, batched_audio], 1)
            outputs = []
            for i in range(0, batched_audio.shape[0], self.batch_windows):
                output, h, c = self.session.run(
                    None, {"input": batched_audio[i : i + self.batch_windows], "h": h, "c": c}
                )
                outputs.append(output)
            return np.concatenate(outputs, axis=0)

    return LeanSileroVAD


def _use_lean_vad() -> None:
    """Make faster-whisper's one shared VAD model (its own transcribe uses it too) the lean kind.

    faster-whisper offers no way to pass a VAD model, so the cached instance changes class; only
    the exact stock class is changed, so a faster-whisper with another VAD is left alone.
    """
    from faster_whisper.vad import SileroVADModel, get_vad_model

    model = get_vad_model()
    if type(model) is SileroVADModel:
        model.__class__ = lean_vad_class()


# --------------------------------------------------------------------------------------------
# Coverage: the pure part of the dropped-speech guard


def speech_regions(samples: np.ndarray, offset: float = 0.0, *, min_silence_ms: int = 500) -> list[tuple[float, float]]:
    """Silero VAD speech regions of ``samples`` (16 kHz float32) in seconds, shifted by ``offset``.

    ``min_silence_ms`` is shorter than faster-whisper's own 2 s default so that a real pause
    splits regions and is never counted as "speech without words".
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if len(samples) == 0:
        return []
    _use_lean_vad()
    chunks = get_speech_timestamps(
        samples, VadOptions(min_silence_duration_ms=min_silence_ms), sampling_rate=SAMPLE_RATE
    )
    return [(offset + c["start"] / SAMPLE_RATE, offset + c["end"] / SAMPLE_RATE) for c in chunks]


def uncovered_speech(
    regions: Sequence[tuple[float, float]],
    words: Sequence[tuple[float, float]],
    *,
    min_gap: float = 2.0,
    slack: float = 0.3,
    max_word: float | None = None,
) -> list[tuple[float, float]]:
    """Stretches of VAD speech that no word covers, at least ``min_gap`` seconds long.

    Args:
        regions: speech regions ``(start, end)`` from VAD.
        words: word timings ``(start, end)``.
        min_gap: shortest uncovered stretch to report. VAD pads regions by ~0.4 s each side and
            word timings are approximate, so anything much under 2 s is noise, not lost speech.
        slack: how far each word's timing is widened before testing coverage.
        max_word: a word covers at most this many seconds (its end and what precedes it): a
            word the aligner stretched over skipped speech does not hide the skip.

    Returns:
        Uncovered ``(start, end)`` stretches in time order.
    """
    if max_word is not None:
        words = [(max(s, e - max_word), e) for s, e in words]
    spans = sorted((max(0.0, s - slack), e + slack) for s, e in words)
    gaps: list[tuple[float, float]] = []
    for r_start, r_end in sorted(regions):
        cursor = r_start
        for w_start, w_end in spans:
            if w_end <= cursor:
                continue
            if w_start >= r_end:
                break
            if w_start > cursor and w_start - cursor >= min_gap:
                gaps.append((cursor, w_start))
            cursor = max(cursor, w_end)
            if cursor >= r_end:
                break
        if r_end - cursor >= min_gap:
            gaps.append((cursor, r_end))
    return gaps


def stretched_words(words: Sequence[RecognizedWord]) -> list[int]:
    """Indexes of words the model all but disowns yet stretched over more than a word's time."""
    return [
        i for i, w in enumerate(words) if w.probability < STRETCHED_WORD_P and w.end - w.start >= STRETCHED_WORD_SECONDS
    ]


def squeezed_runs(words: Sequence[RecognizedWord]) -> list[tuple[int, int]]:
    """``(first, last)`` indexes of runs of words the audio has no time for.

    A run: at least three consecutive words each shorter than ``SQUEEZED_WORD_SECONDS`` or below
    ``STRETCHED_WORD_P``, together shorter than ``SQUEEZED_WORD_SECONDS`` a word, below 0.5 on
    average and with one word below ``STRETCHED_WORD_P``.
    """
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and (
            words[j].end - words[j].start < SQUEEZED_WORD_SECONDS or words[j].probability < STRETCHED_WORD_P
        ):
            j += 1
        run = words[i:j]
        if (
            len(run) >= 3
            and run[-1].end - run[0].start < SQUEEZED_WORD_SECONDS * len(run)
            and sum(w.probability for w in run) / len(run) < 0.5
            and min(w.probability for w in run) < STRETCHED_WORD_P
        ):
            runs.append((i, j - 1))
        i = max(j, i + 1)
    return runs


def sentence_around(words: Sequence[RecognizedWord], index: int) -> tuple[int, int]:
    """``(first, last)`` indexes of the sentence holding ``words[index]``.

    A sentence ends at a word ending in ``.``, ``?`` or ``!``, or before a pause of
    ``SENTENCE_PAUSE`` seconds.
    """

    def ends(i: int) -> bool:
        return words[i].text.rstrip("\"')»”").endswith((".", "?", "!")) or (
            i + 1 < len(words) and words[i + 1].start - words[i].end >= SENTENCE_PAUSE
        )

    first = index
    while first > 0 and not ends(first - 1):
        first -= 1
    last = index
    while last + 1 < len(words) and not ends(last):
        last += 1
    return first, last


def _plain(text: str) -> str:
    return re.sub(r"[^\w']+", "", text.lower())


def drop_squeezed_words(
    sentence: Sequence[RecognizedWord], first: int, last: int, redo: Sequence[RecognizedWord], *, slack: float = 0.2
) -> list[RecognizedWord] | None:
    """The sentence without the words of a squeezed run (``sentence[first:last + 1]``) that the
    re-decode of its audio does not have, or ``None``.

    Aligned by text like :func:`splice_hidden_words`: where the re-decode has fewer words than the
    run for a part of it (a deletion, or a shorter replacement timed inside the run), that part is
    taken from the re-decode. Words outside the run never change.
    """
    from difflib import SequenceMatcher

    lo, hi = sentence[first].start - slack, sentence[last].end + slack
    plain = [_plain(w.text) for w in sentence]
    matcher = SequenceMatcher(None, plain, [_plain(w.text) for w in redo], autojunk=False)
    edits: list[tuple[int, int, list[RecognizedWord]]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "delete":
            # A loop repeats words, so where its deletion goes is ambiguous ("we plan to [do the
            # handbook. We plan to]" = "[we plan to do the handbook.] We plan to"): slide it into the run.
            while i1 < first and i2 < len(plain) and plain[i1] == plain[i2]:
                i1, i2 = i1 + 1, i2 + 1
            while i2 > last + 1 and i1 > 0 and plain[i1 - 1] == plain[i2 - 1]:
                i1, i2 = i1 - 1, i2 - 1
        if tag not in ("delete", "replace") or j2 - j1 >= i2 - i1 or i2 <= first or i1 > last:
            continue
        kept = list(redo[j1:j2])
        if first <= i1 and i2 <= last + 1:
            if not all(lo <= (w.start + w.end) / 2 <= hi for w in kept):
                continue
            kept = [_clamp(w, sentence[i1].start, sentence[i2 - 1].end) for w in kept]
        else:
            # The change reaches past the run ("to [do the handbook. We plan to] caption" against
            # "to capture"): when the re-decode has no more words for it than it has outside the
            # run, the run's part has none; the words outside stay as first heard.
            inside = min(i2, last + 1) - max(i1, first)
            if j2 - j1 > (i2 - i1) - inside:
                continue
            i1, i2, kept = max(i1, first), min(i2, last + 1), []
        if edits and i1 < edits[-1][1]:
            continue  # overlaps the edit before (a slid deletion): keep the first
        edits.append((i1, i2, kept))
    if not edits:
        return None
    out = list(sentence)
    for i1, i2, kept in reversed(edits):
        out[i1:i2] = kept
    return out


def _clamp(word: RecognizedWord, start: float, end: float) -> RecognizedWord:
    s = min(max(word.start, start), end)
    return RecognizedWord(s, max(s, min(word.end, end)), word.text, word.probability)


def splice_hidden_words(
    sentence: Sequence[RecognizedWord], index: int, redo: Sequence[RecognizedWord], *, slack: float = 0.2
) -> list[RecognizedWord] | None:
    """The sentence with the words an unprompted re-decode heard inside a stretched word, or ``None``.

    ``sentence[index]`` is the stretched, doubtful word; ``redo`` the same sentence's audio decoded
    again. The two word sequences are aligned by their text; words ``redo`` has and ``sentence``
    lacks, at least two, next to (or in place of) the stretched word and timed inside it, are
    spliced in, and the stretched word takes the re-decode's timing. Everything else in the
    sentence stays as first heard (the prompted decode keeps dictionary terms better).
    """
    from difflib import SequenceMatcher

    word = sentence[index]
    lo, hi = word.start - slack, word.end + slack
    matcher = SequenceMatcher(None, [_plain(w.text) for w in sentence], [_plain(w.text) for w in redo], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "insert" and i1 in (index, index + 1):
            added = list(redo[j1:j2])
            kept = [word]
        elif tag == "replace" and i1 <= index < i2 and (j2 - j1) - (i2 - i1) >= 2:
            added = list(redo[j1:j2])
            kept = []
        else:
            continue
        if len(added) < 2 or not all(lo <= (w.start + w.end) / 2 <= hi for w in added):
            continue
        # Inside the stretched word's time, so the words around keep theirs and nothing overlaps.
        first_start = sentence[i1].start if tag == "replace" else word.start
        last_end = sentence[i2 - 1].end if tag == "replace" else word.end
        added = [_clamp(w, first_start, last_end) for w in added]
        if tag == "replace":
            return [*sentence[:i1], *added, *sentence[i2:]]
        # The stretched word itself: its re-decoded twin's timing (it was stretched over the skip).
        twin = next(
            (
                r
                for j, r in enumerate(redo)
                if not j1 <= j < j2 and _plain(r.text) == _plain(word.text) and lo <= r.start <= hi
            ),
            None,
        )
        if twin is not None:
            kept = [_clamp(RecognizedWord(twin.start, twin.end, word.text, word.probability), word.start, word.end)]
        ordered = sorted([*added, *kept], key=lambda w: (w.start, w.end))
        return [*sentence[:index], *ordered, *sentence[index + 1 :]]
    return None


def mend_timing_slips(
    words: list[RecognizedWord],
    keep_from: float,
    keep_to: float,
    redecode: Callable[[float, float], Sequence[RecognizedWord]],
) -> tuple[list[RecognizedWord], int, list[str]]:
    """Every sentence where the words' timing says the decode slipped, decoded again and mended.

    The spots are :func:`stretched_words` and :func:`squeezed_runs` that start inside
    ``[keep_from, keep_to)`` (the window's own part). Each one's whole sentence (from the sentence
    around its first word to the one around its last) is decoded again by ``redecode(lo, hi)``
    (0.3 s either side) and only the slip is mended: :func:`splice_hidden_words` for a stretched
    word, :func:`drop_squeezed_words` for a squeezed run. Spots are mended from the last one back,
    so earlier indexes stay valid; a spot whose words a later mend already replaced (a splice that
    took in the run before the stretched word) is left alone.

    Returns:
        The words, how many sentences were decoded again, and a note per mend.
    """
    spots = [(i, i, "stretched") for i in stretched_words(words)]
    spots += [(i, j, "squeezed") for i, j in squeezed_runs(words)]
    mended: list[str] = []
    tried = 0
    marks = {(i, j): (words[i], words[j]) for i, j, _ in spots}
    for start, end, kind in sorted(spots, reverse=True):
        if end >= len(words) or (words[start], words[end]) != marks[start, end]:
            continue
        if not keep_from <= words[start].start < keep_to:
            continue
        first = sentence_around(words, start)[0]
        last = sentence_around(words, end)[1]
        tried += 1
        redo = redecode(words[first].start - 0.3, words[last].end + 0.3)
        sentence = words[first : last + 1]
        if kind == "stretched":
            fixed = splice_hidden_words(sentence, start - first, redo)
        else:
            fixed = drop_squeezed_words(sentence, start - first, end - first, redo)
        if fixed is None:
            continue
        if kind == "stretched":
            heard = " ".join(w.text for w in fixed if w not in sentence)
            mended.append(f"{words[start].text!r} at {words[start].start:.1f} s: {heard!r}")
        else:
            gone = " ".join(w.text for w in sentence if w not in fixed)
            mended.append(f"at {words[start].start:.1f} s dropped {gone!r}")
        words = [*words[:first], *fixed, *words[last + 1 :]]
    return words, tried, mended


# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Decoded:
    words: list[RecognizedWord]
    segments: list[RecognizedSegment]
    language: str
    language_probability: float


class FasterWhisperEngine:
    """faster-whisper on CPU with an offline model, windowed, with the dropped-speech guard.

    Args:
        model: ``"tiny.en"``, ``"base"`` (multilingual) or a CTranslate2 model folder.
        compute_type: CTranslate2 compute type; ``int8`` is fastest on these CPUs.
        cpu_threads: threads per model (0 = all cores).
        beam_size: beam width (5 was ~3 WER points better than greedy on tiny.en, notes §4.1).
        window_seconds: longest stretch decoded at once; bounds memory for hours-long media
            (22 min of audio, tiny.en: peak RSS 635 MB with 300 s windows, 960 MB with 600 s,
            measured before features and VAD were computed in chunks).
        overlap_seconds: context shared by neighbouring windows.
        models_dir: where ``base`` is joined (default :func:`reachflow.asr.models.models_dir`).
        dictionary_mode: how the REACH dictionary steers decoding: ``prompt`` (initial_prompt,
            18/18 "Kaltura" in the notes), ``hotwords`` or ``both``.
        guard: run the dropped-speech guard.
        guard_min_gap: shortest uncovered speech (s) the guard re-runs.
        guard_model: model for the guard's second re-decode pass (default: ``base`` for an
            English-only model, else this model); loaded only while needed.
        quality_model: the model English is decoded with when ``transcribe(quality="best")``.
        keep_model_loaded: share the loaded model with every engine of the process and keep it
            for later jobs (the default: recognition models). ``False`` keeps it on this engine
            only, until :meth:`release` or the engine's end (language ID's base, which is not
            needed again in an English job and costs ~150 MB beside tiny.en). A model some
            other engine already shares is used as it is.

    Example:
        >>> engine = FasterWhisperEngine("tiny.en", cpu_threads=2)
        >>> t = engine.transcribe("talk.wav", language="en", dictionary=["Kaltura", "REACH"])
    """

    name = "faster-whisper"

    def __init__(
        self,
        model: str | os.PathLike[str] = "tiny.en",
        *,
        compute_type: str = "int8",
        cpu_threads: int = 0,
        beam_size: int = 5,
        window_seconds: float = 300.0,
        overlap_seconds: float = 4.0,
        models_dir: str | os.PathLike[str] | None = None,
        dictionary_mode: Literal["prompt", "hotwords", "both"] = "prompt",
        guard: bool = True,
        guard_min_gap: float = 1.0,
        guard_model: str | os.PathLike[str] | None = None,
        keep_model_loaded: bool = True,
        quality_model: str | None = "base",
    ) -> None:
        self.model_name = str(model)
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads or (os.cpu_count() or 1)
        self.beam_size = beam_size
        self.window_seconds = window_seconds
        self.overlap_seconds = overlap_seconds
        self.models_dir = models_dir
        self.dictionary_mode = dictionary_mode
        self.guard = guard
        self.guard_min_gap = guard_min_gap
        self.guard_model = None if guard_model is None else str(guard_model)
        self.keep_model_loaded = keep_model_loaded
        self._own_models: dict[Path, Any] = {}
        self._guard_models: dict[Path, Any] = {}  # the guard's fallback model, for one transcribe call
        self.quality_model = quality_model
        self.model_path = resolve_model(self.model_name, models_dir)
        self.multilingual = is_multilingual(self.model_path)

    def __repr__(self) -> str:
        return f"FasterWhisperEngine(model={self.model_name!r}, compute_type={self.compute_type!r}, beam_size={self.beam_size})"

    def _model(self, path: Path | None = None) -> Any:
        path = path or self.model_path
        if self.keep_model_loaded:
            return _load_model(path, self.compute_type, self.cpu_threads)
        model = self._own_models.get(path)
        if model is None:
            model = _load_model(path, self.compute_type, self.cpu_threads, keep=False)
            self._own_models[path] = model
        return model

    def _load_guard_model(self, path: Path, main: Path) -> None:
        """Load the guard's fallback model for this call only (unless it is already loaded)."""
        if path == main or path == self.model_path or path in self._guard_models or path in self._own_models:
            return
        self._guard_models[path] = _load_model(path, self.compute_type, self.cpu_threads, keep=False)

    def _release_fallback(self) -> None:
        if self._guard_models:
            self._guard_models.clear()
            release_memory()

    def release(self) -> None:
        """Drop the models this engine loaded for itself (``keep_model_loaded=False``) and give
        their memory back; shared models stay loaded. The engine reloads on next use."""
        if self._own_models:
            self._own_models.clear()
            release_memory()

    # ---------------------------------------------------------------------------------------

    def detect_language(self, audio: AudioSource | np.ndarray) -> tuple[str, float, list[tuple[str, float]]]:
        """Spoken language of the first 30 s of ``audio`` (path or 16 kHz float32 samples).

        Raises:
            ModelUnavailable: the model is English-only (tiny.en cannot identify languages).
        """
        if not self.multilingual:
            raise ModelUnavailable(f"speech model {self.model_name} is English-only and cannot identify languages")
        samples = audio if isinstance(audio, np.ndarray) else read_wav(audio, 0.0, 30.0)
        if len(samples) < SAMPLE_RATE // 2:
            return "", 0.0, []
        code, probability, ranked = self._model().detect_language(audio=samples[: 30 * SAMPLE_RATE])
        return code, float(probability), [(c, float(p)) for c, p in ranked[:5]]

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
        quality: Quality = "fast",
    ) -> Transcript:
        """Recognise ``audio`` window by window, steered by the dictionary, guarded against drops.

        After decoding: word pieces are joined into words (numbers stay whole), every stretch
        of speech without words is re-decoded (see :meth:`_guard`), and near misses of the
        dictionary's terms are snapped to the terms (:func:`reachflow.asr.vocabulary.snap_to_dictionary`).

        Args:
            audio: 16 kHz mono 16-bit WAV path.
            language: ISO 639-1 code to decode in; ``None`` lets a multilingual model detect it.
            dictionary: REACH dictionary terms (a list or a comma/line separated string).
            hotwords: extra hotwords (added to the dictionary's, if any).
            initial_prompt: an explicit prompt (overrides the dictionary's prompt).
            word_timestamps: must stay True for captions; False skips word alignment.
            vad_filter: skip non-speech with Silero VAD before decoding.
            on_progress: called with ``(seconds_done, total_seconds)`` after each window.
            quality: ``fast`` decodes with this engine's model; ``best`` decodes English with
                ``quality_model`` (multilingual base: about twice the time of tiny.en, fewer
                errors on hard voices; see :mod:`reachflow.asr.quality`). Other languages
                already use base, so ``best`` changes nothing for them.

        Raises:
            UnsupportedJob: a non-English language asked of an English-only model.
            MediaError: the file is not a 16 kHz mono WAV.
        """
        code = _base_language(language)
        if not self.multilingual:
            if code not in (None, "en"):
                raise UnsupportedJob(
                    f"speech model {self.model_name} is English-only; it cannot transcribe '{language}'"
                )
            code = "en"
        model_path, model_label = self.model_path, self.model_name
        if quality == "best" and self.quality_model and code == "en":
            try:
                model_path = resolve_model(self.quality_model, self.models_dir)
                model_label = self.quality_model
            except ModelUnavailable:
                pass  # best falls back to this engine's model; the passes show which one ran
        prompt, hot = self._steering(dictionary, hotwords, initial_prompt)
        info = wav_info(audio)
        windows = plan_windows(audio, self.window_seconds, self.overlap_seconds)

        per_window: list[tuple[Window, list[RecognizedWord]]] = []
        segments: list[RecognizedSegment] = []
        recovered: list[tuple[float, float]] = []
        uncovered: list[tuple[float, float]] = []
        steering = "+prompt" if prompt else ""
        steering += "+hotwords" if hot else ""
        passes: list[str] = [f"{model_label}{steering}, beam {self.beam_size}"]
        language_probability = 1.0 if code else 0.0
        for window in windows:
            samples = read_wav(audio, window.start, window.end)
            decoded = self._decode(
                samples,
                window.start,
                language=code,
                prompt=prompt,
                hotwords=hot,
                word_timestamps=word_timestamps,
                vad_filter=vad_filter,
                model_path=model_path,
            )
            if code is None:
                # Decode every later window in the first window's language, so a media file
                # never switches language midway on a noisy stretch.
                code, language_probability = decoded.language, decoded.language_probability
            words = decoded.words
            if self.guard and word_timestamps:
                coverage = self._guard(samples, window, decoded, code, prompt, hot, model_path)
                words = coverage.words
                recovered.extend(coverage.recovered)
                uncovered.extend(coverage.uncovered)
                passes.extend(f"re-decode at {window.keep_from:.0f} s, {p}" for p in coverage.passes)
                words, note = self._unstretch(samples, window, words, code, model_path)
                if note:
                    passes.append(note)
            per_window.append((window, words))
            segments.extend(
                s
                for s in decoded.segments
                if window.keep_from <= (s.start + s.end) / 2 < window.keep_to or window is windows[-1]
            )
            del samples, decoded
            release_memory()  # the window's audio, features and VAD buffers: gone, not just free
            if on_progress is not None:
                on_progress(window.keep_to, info.duration)
        self._release_fallback()

        merged = merge_window_words(per_window)
        checks: list[int] = [0, 0]  # dictionary checks run, confirmed
        confirm = self._confirmer(audio, info.duration, code, dictionary, model_path, checks)
        weighed: list[Weighed] = []
        weigh = self._weigher(audio, info.duration, code, prompt, model_path, weighed)
        merged, snapped = snap_to_dictionary(
            merged, dictionary, code or "en", confirm=confirm, weigh=weigh if prompt is not None else None
        )
        if checks[0]:
            passes.append(f"dictionary check: {checks[0]} word(s) heard again with the prompt, {checks[1]} confirmed")
        if weighed:
            shown = ", ".join(
                f"{w.heard} → {w.term} {'taken' if w.accepted else 'kept'} ({' / '.join(f'{m:+.1f}' for m in w.margins)})"
                for w in weighed
            )
            passes.append(f"sound-alike check: {len(weighed)} run(s) weighed on the audio: {shown}")
        merged, note = self._recheck_numbers(audio, merged, code, model_path)
        if note:
            passes.append(note)
        try:
            hear = self._weigher(audio, info.duration, code, prompt, model_path, [], strongest_only=True)
            again = self._hearings(audio, info.duration, code, model_path)
            merged, verdicts = weigh_confusable_numbers(merged, hear, code, again)
        finally:
            self._release_fallback()
        if verdicts:
            shown = ", ".join(v.describe() for v in verdicts)
            passes.append(f"teen/ty check: {len(verdicts)} number(s) weighed on the audio: {shown}")
        return Transcript(
            words=merged,
            language=code or "",
            language_probability=language_probability,
            duration=info.duration,
            segments=segments,
            engine=self.name,
            model=model_label,
            recovered=recovered,
            uncovered=uncovered,
            passes=passes,
            snapped=snapped,
            quality=quality,
        )

    def _confirmer(
        self,
        audio: AudioSource,
        duration: float,
        language: str | None,
        dictionary: Sequence[str] | str | None,
        model_path: Path,
        checks: list[int],
    ) -> Confirm | None:
        """Audio evidence for snapping an ordinary word to a term: its stretch decoded again with
        the dictionary as prompt (a short decode steers reliably: "Kaltura" 18/18, notes §5)."""
        prompt = dictionary_prompt(dictionary)
        if prompt is None:
            return None

        def confirm(run: Sequence[RecognizedWord], term: str) -> bool:
            if checks[0] >= MAX_DICTIONARY_CHECKS:
                return False
            checks[0] += 1
            lo, hi = max(0.0, run[0].start - CHECK_CONTEXT), min(duration, run[-1].end + CHECK_CONTEXT)
            # Both spellings in the prompt, so the steering favours neither and the sound decides
            # ("Our culture values" stays "culture"; "the caption editor in culture" becomes Kaltura).
            heard_as = " ".join(w.text.strip(".,;:!?") for w in run)
            redo = self._decode(
                read_wav(audio, lo, hi),
                lo,
                language=language,
                prompt=f"{term}, {heard_as}.",
                hotwords=None,
                word_timestamps=True,
                vad_filter=False,
                model_path=model_path,
            )
            heard = " ".join(w.text for w in redo.words if w.end > run[0].start - 0.3 and w.start < run[-1].end + 0.3)
            found = re.search(rf"(?<!\w){re.escape(term)}(?!\w)", heard) is not None
            checks[1] += found
            return found

        return confirm

    def _weigher(
        self,
        audio: AudioSource,
        duration: float,
        language: str | None,
        prompt: str | None,
        model_path: Path,
        log: list[Weighed],
        *,
        strongest_only: bool = False,
    ) -> Weigh:
        """Audio evidence for a run that only sounds like a term: the words within ``CHECK_CONTEXT``
        seconds of it, as heard and with the term in its place, forced on their audio
        (:meth:`_forced_logprobs`, after the dictionary prompt the decode had) by two listeners, the
        model that decoded them and, where it favours the term, the other one of tiny.en / base; the
        verdict is the one less in favour of the term. On the bench's misses both favour the term
        by 1.7–9 nats; one listener alone let false ones through ("doodle" → "Moodle" +4.1 on
        tiny.en, −3.5 on base; a real "web media" +1.3 on base, −3.8 on tiny.en), and base's
        "noodles" for "noodle" came within +0.9 / +5.8 of "Moodle" (kept: under ``MIN_GAIN``).

        ``strongest_only``: one listener, base (the multilingual model, whichever decoded), for a
        number against its "-teen" / "-ty" twin (:func:`reachflow.asr.cleanup.weigh_confusable_numbers`),
        with or without a prompt. There tiny.en's score repeats its own mishearing: on the 77 clips
        of ``bench/number_twins.py`` tiny.en wrote the twin 3 times and scored its twin 2.5 nats
        above the spoken number each time, where base preferred the spoken one by 2.6–6.5; of the
        numbers tiny.en heard right (71 on the deterministic audio), base preferred the twin of one,
        Piper's sentence-final "seventy", by 1.5 nats: hence ``NUMBER_GAIN`` (2 nats) for base alone."""
        other = self.model_path if model_path != self.model_path else self._fallback_path(model_path)
        listeners = [model_path] if other == model_path else [model_path, other]
        if strongest_only:
            listeners = [model_path if is_multilingual(model_path) else other]

        def weigh(words: Sequence[RecognizedWord], i: int, n: int, text: str) -> tuple[float, float]:
            first, last = i, i + n
            while first > 0 and words[i].start - words[first - 1].start <= CHECK_CONTEXT:
                first -= 1
            while last < len(words) and words[last].end - words[i + n - 1].end <= CHECK_CONTEXT:
                last += 1
            lo, hi = max(0.0, words[first].start - 0.3), min(duration, words[last - 1].end + 0.3)
            before = [w.text for w in words[first:i]]
            after = [w.text for w in words[i + n : last]]
            heard = " ".join(before + [w.text for w in words[i : i + n]] + after)
            term = " ".join([*before, text, *after])
            samples = read_wav(audio, lo, hi)
            verdicts: list[tuple[float, float]] = []
            for path in listeners:  # the second listener only where the first one favours the term
                self._load_guard_model(path, model_path)
                scores = self._forced_logprobs(samples, [heard, term], language, prompt, path)
                verdicts.append((scores[0], scores[1]))
                if not Weighed("", "", scores[0], scores[1]).accepted:
                    break
            worst = min(verdicts, key=lambda v: v[1] - v[0])
            margins = tuple(t - h for h, t in verdicts)
            log.append(Weighed(" ".join(w.text for w in words[i : i + n]), text, worst[0], worst[1], margins))
            return worst

        return weigh

    def _hearings(self, audio: AudioSource, duration: float, language: str | None, model_path: Path) -> Hearings:
        """A number the audio left open, heard again: its sentence alone, with the sentence before,
        with the one after, and with both (each stretch once), each decoded without the prompt by
        the model that decoded it and by the other one of tiny.en / base. One decode's context
        tips an ambiguous number either way: Piper's "page fourteen" came out "40." in the
        lecture's window, "14." from the sentence alone (tiny.en, p 0.47) and, over those four
        stretches and two models, "14." five times (confidence 3.3 in all) and "40." three (1.7)."""
        other = self.model_path if model_path != self.model_path else self._fallback_path(model_path)
        listeners = [model_path] if other == model_path else [model_path, other]

        def hearings(words: Sequence[RecognizedWord], i: int) -> list[tuple[str, float]]:
            first, last = sentence_around(words, i)
            before = sentence_around(words, first - 1)[0] if first > 0 else first
            after = sentence_around(words, last + 1)[1] if last + 1 < len(words) else last
            stretches = dict.fromkeys(
                (max(0.0, words[a].start - 0.3), min(duration, words[b].end + 0.3))
                for a, b in ((first, last), (before, last), (first, after), (before, after))
            )
            heard: list[tuple[str, float]] = []
            for lo, hi in stretches:
                samples = read_wav(audio, lo, hi)
                for path in listeners:
                    self._load_guard_model(path, model_path)
                    found = [
                        w
                        for w in self._decode(
                            samples,
                            lo,
                            language=language,
                            prompt=None,
                            hotwords=None,
                            word_timestamps=True,
                            vad_filter=False,
                            model_path=path,
                        ).words
                        if w.end > words[i].start - 0.3 and w.start < words[i].end + 0.3 and re.search(r"\d", w.text)
                    ]
                    if len(found) == 1:
                        heard.append((found[0].text, found[0].probability))
            return heard

        return hearings

    def _forced_logprobs(
        self, samples: np.ndarray, texts: Sequence[str], language: str | None, prompt: str | None, model_path: Path
    ) -> list[float]:
        """The model's log-probability of each text (its tokens and the end of text) forced on ``samples``
        (at most 30 s), after ``prompt`` as previous text: how well each text explains the audio."""
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        model = self._guard_models.get(model_path) or self._model(model_path)
        multilingual = is_multilingual(model_path)
        tokenizer = Tokenizer(
            model.hf_tokenizer, multilingual, task="transcribe", language=(language or "en") if multilingual else "en"
        )
        features = model.feature_extractor(samples)
        frames = min(features.shape[-1], 3000)
        encoded = model.encode(pad_or_trim(features))
        start = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        if prompt:
            start = [
                tokenizer.sot_prev,
                *tokenizer.encode(" " + prompt.strip())[-(model.max_length // 2 - 1) :],
                *start,
            ]
        scores: list[float] = []
        for text in texts:
            tokens = tokenizer.encode(" " + text.strip())
            result = model.model.align(encoded, start, [tokens], frames)[0]
            probabilities = np.maximum(np.asarray(result.text_token_probs, dtype=np.float64), 1e-12)
            scores.append(float(np.log(probabilities).sum()))
        return scores

    def _recheck_numbers(
        self, audio: AudioSource, words: list[RecognizedWord], language: str | None, model_path: Path
    ) -> tuple[list[RecognizedWord], str]:
        """Numbers heard unsure by an English-only model, heard again by the guard's model (base):
        see :func:`reachflow.asr.cleanup.recheck_numbers`. Returns the words and a note for the passes."""
        second = self._fallback_path(model_path)
        if second == model_path:
            return words, ""
        heard: list[int] = [0]

        def hear(start: float, end: float) -> list[RecognizedWord]:
            self._load_guard_model(second, model_path)
            heard[0] += 1
            return self._decode(
                read_wav(audio, start, end),
                start,
                language=language,
                prompt=None,
                hotwords=None,
                word_timestamps=True,
                vad_filter=False,
                model_path=second,
            ).words

        try:
            words, changed = recheck_numbers(words, hear)
        finally:
            self._release_fallback()
        if not heard[0]:
            return words, ""
        shown = ", ".join(f"{ours} → {theirs}" for ours, theirs in changed) or "none changed"
        return words, f"number check: {heard[0]} unsure number(s) heard again by {self._label(second)}: {shown}"

    # ---------------------------------------------------------------------------------------

    def _steering(
        self, dictionary: Sequence[str] | str | None, hotwords: str | None, initial_prompt: str | None
    ) -> tuple[str | None, str | None]:
        from_dictionary = dictionary_prompt(dictionary)
        prompt = initial_prompt
        hot = hotwords
        if from_dictionary:
            if self.dictionary_mode in ("prompt", "both") and prompt is None:
                prompt = from_dictionary
            if self.dictionary_mode in ("hotwords", "both"):
                terms = from_dictionary.rstrip(".").replace(",", "")
                hot = f"{hot} {terms}" if hot else terms
        return prompt, hot

    def _decode(
        self,
        samples: np.ndarray,
        offset: float,
        *,
        language: str | None,
        prompt: str | None,
        hotwords: str | None,
        word_timestamps: bool,
        vad_filter: bool,
        model_path: Path | None = None,
        keep_doubtful: bool = True,
    ) -> _Decoded:
        model = self._guard_models.get(model_path) if model_path is not None else None
        if model is None:
            model = self._model(model_path)
        multilingual = self.multilingual if model_path is None else is_multilingual(model_path)
        # Whisper falls back to sampling at higher temperatures on hard windows: a fixed seed makes
        # every decode of the same audio give the same words (a retried job, a test, a bench).
        ctranslate2.set_random_seed(0)
        segments_iter, info = model.transcribe(
            samples,
            language=language if multilingual else "en",
            beam_size=self.beam_size,
            word_timestamps=word_timestamps,
            vad_filter=vad_filter,
            initial_prompt=prompt,
            hotwords=hotwords,
            # A prompt only reaches later 30 s windows through the previous text; without one,
            # not conditioning avoids repetition loops and the costly temperature fallbacks.
            condition_on_previous_text=prompt is not None,
        )
        pieces: list[list[WordPiece]] = []
        segments: list[RecognizedSegment] = []
        for seg in segments_iter:  # lazy: the decoding happens here
            if not keep_doubtful and seg.no_speech_prob > 0.6 and seg.avg_logprob < -1.0:
                continue
            segments.append(RecognizedSegment(offset + seg.start, offset + seg.end, seg.text.strip()))
            pieces.append(
                [WordPiece(offset + w.start, offset + w.end, w.word, float(w.probability)) for w in seg.words or []]
            )
        # Whisper's aligner splits "$45,000" into " $45" + ",000": join before anything counts words.
        words = join_word_pieces(pieces, language or info.language)
        return _Decoded(words, segments, info.language, float(info.language_probability))

    def _redecode(
        self, samples: np.ndarray, window: Window, lo: float, hi: float, language: str | None, model_path: Path
    ) -> _Decoded:
        """The window's audio from ``lo`` to ``hi`` (clipped to the window) decoded again without
        the prompt or hotwords, doubtful non-speech segments left out."""
        lo, hi = max(window.start, lo), min(window.end, hi)
        part = samples[int((lo - window.start) * SAMPLE_RATE) : int((hi - window.start) * SAMPLE_RATE)]
        return self._decode(
            part,
            lo,
            language=language,
            prompt=None,
            hotwords=None,
            word_timestamps=True,
            vad_filter=True,
            model_path=model_path,
            keep_doubtful=False,
        )

    def _guard(
        self,
        samples: np.ndarray,
        window: Window,
        decoded: _Decoded,
        language: str | None,
        prompt: str | None,
        hotwords: str | None,
        model_path: Path,
    ) -> _Coverage:
        """Compare voice activity with the recognised words and re-decode every uncovered stretch.

        Passes, each only on the stretches still uncovered after the one before:

        1. without the prompt, same model, 1 s of context each side (a prompted Whisper sometimes
           jumps over whole sentences; unprompted it does not, notes §4.2);
        2. with the fallback model (``guard_model``, by default ``base`` for English-only models)
           and 5 s of context each side (a wider window decodes differently; base never skipped).

        A skip is not only missing words: the segment Whisper decodes right after the jump
        carries some of the skipped text with wrong times (seen on tiny.en + prompt: sentences
        1–2 stamped at 22 s, sentences 3–7 gone), and its words are stretched over the skipped
        speech. So a word covers at most ``MAX_WORD_SECONDS`` of speech when coverage is tested,
        each re-decoded stretch runs from the start of the uncovered speech to the end of the
        first segment after it, and a re-decode replaces the words inside it only when it
        recognised more of them. What no pass covers is reported as uncovered, unless the last
        pass judged it not to be speech (music, noise VAD mistook for a voice).
        """
        words = decoded.words
        regions = [
            (max(s, window.keep_from), min(e, window.keep_to))
            for s, e in speech_regions(samples, window.start)
            if e > window.keep_from and s < window.keep_to
        ]
        gaps = self._gaps(regions, words)
        if not gaps:
            return _Coverage(words, [], [], [])
        spans = self._spans(gaps, decoded.segments)
        repaired = list(words)
        recovered: list[tuple[float, float]] = []
        passes: list[str] = []
        fallback = self._fallback_path(model_path)
        plans: list[tuple[str, Path, float]] = []
        if prompt is not None or hotwords is not None:
            plans.append((f"{self._label(model_path)} without prompt", model_path, 1.0))
        plans.append((f"{self._label(fallback)} wider window", fallback, 5.0))
        silent: list[tuple[float, float]] = []
        for label, path, context in plans:
            if not spans:
                break
            self._load_guard_model(path, model_path)
            passes.append(f"{label}: {len(spans)} stretch(es), {sum(e - s for s, e in spans):.1f} s")
            silent = []
            for s_start, s_end in spans:
                redo = self._redecode(samples, window, s_start - context, s_end + context, language, path)
                inside = [w for w in redo.words if s_start <= (w.start + w.end) / 2 <= s_end]
                before = [w for w in repaired if s_start <= (w.start + w.end) / 2 <= s_end]
                if len(inside) > len(before):
                    repaired = [w for w in repaired if not s_start <= (w.start + w.end) / 2 <= s_end] + inside
                    repaired.sort(key=lambda w: (w.start, w.end))
                    recovered.append((s_start, s_end))
                elif not inside and not redo.segments:
                    silent.append((s_start, s_end))  # the re-decode heard nothing there either
            gaps = self._gaps(regions, repaired)
            spans = self._spans(gaps, [s for s in decoded.segments]) if gaps else []
        left = [g for g in gaps if not any(a <= g[0] and g[1] <= b for a, b in silent)]
        return _Coverage(repaired, sorted(recovered), left, passes)

    def _unstretch(
        self,
        samples: np.ndarray,
        window: Window,
        words: list[RecognizedWord],
        language: str | None,
        model_path: Path,
    ) -> tuple[list[RecognizedWord], str]:
        """Decode again, without the prompt, each sentence where the words' timing says the decode slipped.

        Two signs, each measured on the bench: a doubtful word stretched over more than a word's
        time hides a skip shorter than the coverage test's gap (:func:`stretched_words`); doubtful
        words squeezed into no time are a decode repeating itself (:func:`squeezed_runs`). The whole
        sentence is decoded (a re-decode starting mid-sentence heard the same wrong words again),
        and only the slip is mended from it: words heard inside the stretched word are spliced in
        (:func:`splice_hidden_words`), words of the squeezed run the re-decode does not have are
        dropped (:func:`drop_squeezed_words`).
        """
        words, tried, mended = mend_timing_slips(
            words,
            window.keep_from,
            window.keep_to,
            lambda lo, hi: self._redecode(samples, window, lo, hi, language, model_path).words,
        )
        if not tried:
            return words, ""
        return words, (
            f"timing check: {tried} sentence(s) decoded again without the prompt"
            + (f": {'; '.join(mended)}" if mended else ", nothing changed")
        )

    def _gaps(
        self, regions: Sequence[tuple[float, float]], words: Sequence[RecognizedWord]
    ) -> list[tuple[float, float]]:
        spans = [(w.start, w.end) for w in words]
        return uncovered_speech(regions, spans, min_gap=self.guard_min_gap, max_word=MAX_WORD_SECONDS)

    @staticmethod
    def _spans(gaps: Sequence[tuple[float, float]], segments: Sequence[RecognizedSegment]) -> list[tuple[float, float]]:
        spans: list[tuple[float, float]] = []
        for g_start, g_end in gaps:
            after = [s for s in segments if s.start >= g_end - 0.5]
            end = max(g_end, min(after[0].end, g_end + 30.0)) if after else g_end
            if spans and g_start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], float(max(spans[-1][1], end)))
            else:
                spans.append((float(g_start), float(end)))
        return spans

    def _label(self, path: Path) -> str:
        if path == self.model_path:
            return self.model_name
        return "base" if is_multilingual(path) and self.quality_model == "base" else path.name

    def _fallback_path(self, model_path: Path) -> Path:
        """The guard's second-pass model: ``guard_model``, else base for an English-only model."""
        if self.guard_model:
            return resolve_model(self.guard_model, self.models_dir)
        if not is_multilingual(model_path):
            try:
                return resolve_model("base", self.models_dir)
            except ModelUnavailable:
                return model_path
        return model_path


@dataclass(frozen=True)
class _Coverage:
    words: list[RecognizedWord]
    recovered: list[tuple[float, float]]
    uncovered: list[tuple[float, float]]
    passes: list[str]


def _base_language(language: str | None) -> str | None:
    """``en-US`` / ``EN`` / ``en_GB`` → ``en``; ``None`` stays ``None``."""
    if not language:
        return None
    return language.replace("_", "-").split("-")[0].strip().lower() or None

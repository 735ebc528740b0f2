"""A second engine behind the same interface: OpenAI's reference ``openai-whisper`` package.

Honest status: the main venv does not carry this engine. ``openai-whisper`` needs torch (about
1.2 GB CPU-only here, 6 GB with the CUDA wheels PyPI serves by default) and ships no weights, and
``whisper.load_model(name)`` downloads a checkpoint from OpenAI's CDN, which fails on these
machines (shared/notes/env-probe.md §1.2). So this engine only ever loads a local ``.pt`` file:
``whisper.load_model(path)`` accepts a path. What the test suite exercises here is the loading
path (weights resolution, the clear :class:`ModelUnavailable` errors for a missing package or
missing weights) and the shared windowing; decoding with a real checkpoint is *not* exercised on
this machine, because no checkpoint can be obtained offline.

Weights are resolved in this order: the ``weights_path`` argument (a file, or a folder holding
``<model>.pt``), ``$REACHFLOW_OPENAI_WHISPER_WEIGHTS``, ``<models_dir>/openai-whisper/<model>.pt``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

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
from reachflow.asr.models import ModelUnavailable, models_dir
from reachflow.asr.vocabulary import snap_to_dictionary

__all__ = ["OpenAIWhisperEngine", "resolve_weights"]

_LOADED: dict[tuple[str, str], Any] = {}


def resolve_weights(
    weights_path: str | os.PathLike[str] | None = None,
    *,
    model: str = "base",
    cache_dir: str | os.PathLike[str] | None = None,
) -> tuple[Path, list[Path]]:
    """Where the ``.pt`` checkpoint should be, and every place that was looked at.

    Returns:
        ``(path, tried)``: ``path`` is the first existing candidate, else the first candidate
        (so an error can name it); ``tried`` lists every candidate in order.
    """
    candidates: list[Path] = []
    for given in (weights_path, os.environ.get("REACHFLOW_OPENAI_WHISPER_WEIGHTS") or None):
        if given:
            p = Path(given).expanduser()
            candidates.append(p / f"{model}.pt" if p.is_dir() else p)
    root = Path(cache_dir).expanduser() if cache_dir is not None else models_dir()
    candidates.append(root / "openai-whisper" / f"{model}.pt")
    for candidate in candidates:
        if candidate.is_file():
            return candidate, candidates
    return candidates[0], candidates


class OpenAIWhisperEngine:
    """openai-whisper from a local checkpoint, windowed like :class:`FasterWhisperEngine`.

    Args:
        weights_path: a ``.pt`` file (or a folder with ``<model>.pt``); see :func:`resolve_weights`.
        model: the checkpoint's name, used for the folder lookup and in transcripts.
        beam_size: beam width.
        window_seconds: longest stretch decoded at once.
        overlap_seconds: context shared by neighbouring windows.
        models_dir: the models folder for the default location.

    Raises:
        ModelUnavailable: the package or the weights file is missing (both are checked, and the
            message names what is missing and where the weights were looked for).
    """

    name = "openai-whisper"

    def __init__(
        self,
        weights_path: str | os.PathLike[str] | None = None,
        *,
        model: str = "base",
        beam_size: int = 5,
        window_seconds: float = 300.0,
        overlap_seconds: float = 4.0,
        models_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.model_name = model
        self.beam_size = beam_size
        self.window_seconds = window_seconds
        self.overlap_seconds = overlap_seconds
        path, tried = resolve_weights(weights_path, model=model, cache_dir=models_dir)
        has_package = importlib.util.find_spec("whisper") is not None
        has_weights = path.is_file()
        if not (has_package and has_weights):
            missing = []
            if not has_package:
                missing.append("package 'openai-whisper' not installed")
            if not has_weights:
                missing.append("no weights file (looked in " + ", ".join(str(t) for t in tried) + ")")
            raise ModelUnavailable(
                f"openai-whisper engine needs the 'openai-whisper' package and a weights file at {path}; "
                f"none found ({'; '.join(missing)}); it never downloads weights"
            )
        self.weights_path = path

    def _model(self) -> Any:
        key = (str(self.weights_path), "cpu")
        if key not in _LOADED:
            import whisper

            # A path, never a name: load_model(name) would try to download.
            _LOADED[key] = whisper.load_model(str(self.weights_path), device="cpu")
        return _LOADED[key]

    def detect_language(self, audio: AudioSource | np.ndarray) -> tuple[str, float, list[tuple[str, float]]]:
        """Spoken language of the first 30 s (multilingual checkpoints only)."""
        import whisper

        model = self._model()
        samples = audio if isinstance(audio, np.ndarray) else read_wav(audio, 0.0, 30.0)
        mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(samples), model.dims.n_mels).to(model.device)
        _, probs = model.detect_language(mel)
        ranked = sorted(probs.items(), key=lambda kv: -kv[1])[:5]
        return ranked[0][0], float(ranked[0][1]), [(c, float(p)) for c, p in ranked]

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
        """Recognise ``audio`` window by window.

        openai-whisper has no hotwords and no VAD: hotwords join the prompt, and with
        ``vad_filter`` the Silero VAD that ships with faster-whisper silences non-speech first
        (same timeline, so word times need no mapping). Word pieces are joined into words and
        near misses of the dictionary snapped, as in faster-whisper. ``quality`` is accepted
        for the interface: this engine has one model, so both modes decode the same way.
        """
        code = language.replace("_", "-").split("-")[0].lower() if language else None
        prompt = initial_prompt or dictionary_prompt(dictionary)
        if hotwords:
            prompt = f"{prompt} {hotwords}" if prompt else hotwords
        info = wav_info(audio)
        model = self._model()
        per_window: list[tuple[Window, list[RecognizedWord]]] = []
        segments: list[RecognizedSegment] = []
        detected, detected_p = code, 1.0 if code else 0.0
        for window in plan_windows(audio, self.window_seconds, self.overlap_seconds):
            samples = read_wav(audio, window.start, window.end)
            if vad_filter:
                samples = _silence_non_speech(samples)
            result = model.transcribe(
                samples,
                language=detected,
                initial_prompt=prompt,
                word_timestamps=word_timestamps,
                beam_size=self.beam_size,
                condition_on_previous_text=prompt is not None,
                fp16=False,
            )
            detected = detected or result.get("language")
            pieces: list[list[WordPiece]] = []
            for seg in result.get("segments", []):
                segments.append(
                    RecognizedSegment(window.start + seg["start"], window.start + seg["end"], seg["text"].strip())
                )
                pieces.append(
                    [
                        WordPiece(
                            window.start + w["start"], window.start + w["end"], w["word"], float(w["probability"])
                        )
                        for w in seg.get("words", [])
                    ]
                )
            # openai-whisper splits "$45,000" into " $45" + ",000" like faster-whisper does.
            per_window.append((window, join_word_pieces(pieces, detected)))
            if on_progress is not None:
                on_progress(window.keep_to, info.duration)
        merged, snapped = snap_to_dictionary(merge_window_words(per_window), dictionary, detected or "en")
        return Transcript(
            words=merged,
            language=detected or "",
            language_probability=detected_p,
            duration=info.duration,
            segments=segments,
            engine=self.name,
            model=self.model_name,
            passes=[f"{self.model_name}{'+prompt' if prompt else ''}, beam {self.beam_size}"],
            snapped=snapped,
        )


def _silence_non_speech(samples: np.ndarray) -> np.ndarray:
    from reachflow.asr.faster import speech_regions

    keep = np.zeros(len(samples), bool)
    for s, e in speech_regions(samples):
        keep[int(s * SAMPLE_RATE) : int(e * SAMPLE_RATE)] = True
    return np.where(keep, samples, 0.0).astype(np.float32)

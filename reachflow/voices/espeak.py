"""espeak-ng (Debian): about 100 languages, robotic but intelligible; the fallback voice, and the
phonemizer (IPA) that feeds Kokoro.

The text is passed on stdin, never as an argument, so a line starting with "-" is spoken, not
parsed as an option.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from reachflow.voices.base import Speech, split_sentences, trim_silence

__all__ = ["EspeakVoice", "espeak_available", "espeak_languages", "espeak_voice_name", "phonemize"]

_DEFAULT_WPM = 175
# espeak-ng's voice for a bare ISO 639-1 code where it has no voice of that exact name.
_PREFERRED = {"en": "en-us", "fr": "fr-fr", "pt": "pt", "zh": "cmn", "no": "nb", "vi": "vi"}


def espeak_available() -> bool:
    """Whether the ``espeak-ng`` program is installed."""
    return shutil.which("espeak-ng") is not None


@functools.cache
def espeak_languages() -> tuple[str, ...]:
    """The language names of every installed espeak-ng voice ("es", "es-419", "en-us", ...)."""
    if not espeak_available():
        return ()
    out = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True, timeout=30).stdout
    names = [line.split()[1] for line in out.splitlines()[1:] if len(line.split()) > 1]
    return tuple(dict.fromkeys(names))


def espeak_voice_name(language: str) -> str | None:
    """espeak-ng's voice for an ISO 639-1 code ("es" → "es", "fr" → "fr-fr"), or None."""
    code = language.replace("_", "-").lower()
    installed = espeak_languages()
    base = code.split("-")[0]
    for candidate in (code, _PREFERRED.get(base), base):
        if candidate and candidate in installed:
            return candidate
    regional = [name for name in installed if name.split("-")[0] == base]
    return regional[0] if regional else None


def phonemize(text: str, voice_name: str) -> list[str]:
    """espeak-ng IPA of ``text``: one string per clause (espeak breaks at commas and sentence ends)."""
    result = subprocess.run(
        ["espeak-ng", "-q", "--ipa", "-b", "1", "-v", voice_name, "--stdin"],
        input=text.encode("utf-8"),
        capture_output=True,
        check=True,
        timeout=60,
    )
    return [line.strip() for line in result.stdout.decode("utf-8", "replace").splitlines() if line.strip()]


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        data = wav.readframes(wav.getnframes())
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0, rate


class EspeakVoice:
    """espeak-ng speaking one language.

    Args:
        language: ISO 639-1 code the voice speaks.
        voice_name: espeak-ng's voice ("es", "fr-fr"); default: :func:`espeak_voice_name`.

    Example:
        >>> EspeakVoice("es").synthesize("Hola a todos.").duration > 0.5
        True
    """

    engine = "espeak-ng"
    quality = "robotic"

    def __init__(self, language: str, voice_name: str | None = None) -> None:
        name = voice_name or espeak_voice_name(language)
        if name is None:
            raise ValueError(f"espeak-ng has no voice for {language!r}")
        self.language = language
        self.voice_name = name
        self.name = f"espeak-ng:{name}"

    def __repr__(self) -> str:
        return f"EspeakVoice({self.language!r}, {self.voice_name!r})"

    def synthesize(self, text: str, *, speed: float = 1.0) -> Speech:
        """Speak ``text``; ``speed`` scales espeak's 175 words per minute."""
        wpm = max(80, min(450, round(_DEFAULT_WPM * speed)))
        spoken = " ".join(split_sentences(text))
        with tempfile.TemporaryDirectory(prefix="reachflow-espeak-") as tmp:
            out = Path(tmp) / "speech.wav"
            subprocess.run(
                ["espeak-ng", "-b", "1", "-v", self.voice_name, "-s", str(wpm), "-w", str(out), "--stdin"],
                input=spoken.encode("utf-8"),
                capture_output=True,
                check=True,
                timeout=120,
            )
            samples, rate = _read_wav(out)
        return Speech(trim_silence(samples, rate), rate)

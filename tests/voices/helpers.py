"""Round-trip helpers shared by the voice, audio and visual tests: speech → 16 kHz WAV → Whisper → WER."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import jiwer
import numpy as np
from scipy.signal import resample_poly

from reachflow.asr.base import SAMPLE_RATE
from reachflow.voices import Speech


def to_wav16k(speech: Speech, path: Path, *, pad: float = 0.3) -> Path:
    """``speech`` as a 16 kHz mono WAV (what recognition reads), with a little silence around it."""
    samples = speech.samples
    if speech.sample_rate != SAMPLE_RATE:
        g = np.gcd(speech.sample_rate, SAMPLE_RATE)
        samples = resample_poly(samples, SAMPLE_RATE // g, speech.sample_rate // g).astype(np.float32)
    silence = np.zeros(int(pad * SAMPLE_RATE), np.float32)
    Speech(np.concatenate([silence, samples, silence]), SAMPLE_RATE).write_wav(path)
    return path


def normalise(text: str) -> str:
    """Lower case, no punctuation, no accents, numbers as written: what WER should compare."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("ß", "ss")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of ``hypothesis`` against ``reference`` after :func:`normalise`."""
    return float(jiwer.wer(normalise(reference), normalise(hypothesis) or "-"))

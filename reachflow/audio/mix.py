"""The voice-over mix (dubbing, audio description) and clear audio, as Kaltura audio flavors.

Both outputs are MP4 with AAC-LC at 64 or 128 kbps, 48 kHz, and exactly the original's duration.
ffmpeg's AAC encoder is average-bitrate (few bits over silence), so it encodes at 98 % of the
nominal rate and the frames are then padded with AAC fill elements to exactly the nominal rate
(:mod:`reachflow.audio.cbr`): ffprobe reads 64 or 128 kbps whatever the content, the sound
unchanged.

The mix, in bounded memory (10-minute blocks are never loaded whole):

1. The original's EBU R128 loudness is measured; a silent track is a :class:`MediaError`.
2. Each utterance is levelled to the original's loudness (+2 dB, so the voice leads).
3. One streaming pass: the original, decoded by ffmpeg, is multiplied by a gain envelope that
   ducks it by ``duck_db`` under every utterance (with ``fade``-second ramps), the utterances are
   added, and the sum is written at half scale to a 16-bit WAV (so nothing clips: the original
   peaks at 1.0 and a levelled voice at 0.9).
4. ``loudnorm`` two-pass: measure the mix (with ``ebur128``, see
   :func:`~reachflow.ffmpeg.measure_loudness`), then ``loudnorm`` with those measurements
   normalises it to -23 LUFS integrated with a true peak of at most -2 dBTP (1 dB of margin for
   the AAC encoder) and the result is encoded.
5. The result is measured; if the encoder pushed the true peak past -1 dBTP the gain is lowered
   by the excess and it is encoded once more.
"""

from __future__ import annotations

import math
import os
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from reachflow.audio.cbr import pad_to_constant_bitrate
from reachflow.audio.fit import PlacedUtterance
from reachflow.errors import MediaError
from reachflow.ffmpeg import Loudness, measure_loudness, probe, run_ffmpeg

__all__ = ["MIX_RATE", "MixResult", "clear_audio", "voice_over_mix"]

MIX_RATE = 48_000
TARGET_LUFS = -23.0
MAX_TRUE_PEAK = -1.0
_ENCODE_TRUE_PEAK = -2.0
_BLOCK_SECONDS = 10.0
Bitrate = Literal[64, 128]
# The encoder's first share of the nominal rate; the fill elements make up the rest, so the delivered
# stream is exactly the nominal rate. ffmpeg's AAC overspends its target on dense content (0.5 % on
# noise, 2.7 % on a 10-minute dub): a file over the nominal rate is encoded again at a lower share.
_ENCODER_SHARE = 0.98


@dataclass(frozen=True)
class MixResult:
    """What was made: the file, its duration and its measured loudness."""

    path: Path
    duration: float
    loudness: Loudness
    original_loudness: Loudness


def _audio_layout(path: Path) -> tuple[float, int]:
    info = probe(path)
    if not info.has_audio:
        raise MediaError("the media has no audio track")
    if info.duration <= 0:
        raise MediaError("the media has no duration")
    return info.duration, max(1, min(2, info.channels))


def _aac_args(bitrate: Bitrate, channels: int, duration: float, share: float = _ENCODER_SHARE) -> list[str]:
    if bitrate not in (64, 128):
        raise ValueError("bitrate must be 64 or 128 kbps")
    return [
        "-ar", str(MIX_RATE), "-ac", str(channels), "-c:a", "aac", "-profile:a", "aac_low",
        "-b:a", str(round(bitrate * 1000 * share)), "-t", f"{duration:.6f}", "-movflags", "+faststart", "-f", "mp4",
    ]  # fmt: skip


def clear_audio(
    original: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    bitrate: Bitrate = 128,
    duration: float | None = None,
) -> Path:
    """The original audio, unchanged in sound, re-encoded as the produced track is (MP4, AAC-LC).

    Args:
        original: the entry's media (audio or video).
        out: the MP4 to write.
        bitrate: 64 or 128 kbps.
        duration: the length to keep (default: the original's); short audio is padded with silence.

    Raises:
        MediaError: no audio track, or undecodable.
    """
    src, dst = Path(original), Path(out)
    media_duration, channels = _audio_layout(src)
    length = duration or media_duration
    with tempfile.TemporaryDirectory(prefix="reachflow-clear-") as tmp:
        encoded = Path(tmp) / "clear.mp4"
        share = _ENCODER_SHARE
        for _attempt in range(3):
            run_ffmpeg(
                ["-i", str(src), "-vn", "-af", f"apad=whole_dur={length:.6f}",
                 *_aac_args(bitrate, channels, length, share), str(encoded)]
            )  # fmt: skip
            share, over = _next_share(encoded, bitrate, share)
            if not over:
                break
        pad_to_constant_bitrate(encoded, dst, bitrate)
    return dst


def _next_share(encoded: Path, bitrate: Bitrate, share: float) -> tuple[float, bool]:
    """The encoder share for another try, and whether ``encoded`` spent more than the nominal rate."""
    spent = probe(encoded).audio_bit_rate
    if spent <= bitrate * 1000:
        return share, False
    return share * bitrate * 1000 / spent * 0.99, True


def _rms_db(samples: np.ndarray) -> float:
    active = samples[np.abs(samples) > 0.01]
    if len(active) == 0:
        return -math.inf
    return 20.0 * math.log10(float(np.sqrt(np.mean(active.astype(np.float64) ** 2))) + 1e-12)


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == MIX_RATE or len(samples) == 0:
        return samples.astype(np.float32)
    from scipy.signal import resample_poly

    divisor = math.gcd(rate, MIX_RATE)
    resampled: np.ndarray = resample_poly(samples, MIX_RATE // divisor, rate // divisor).astype(np.float32)
    return resampled


@dataclass(frozen=True)
class _Voice:
    start: int
    samples: np.ndarray


def _levelled(utterances: Sequence[PlacedUtterance], reference_lufs: float, boost_db: float) -> list[_Voice]:
    voices = []
    for utterance in utterances:
        samples = _resample(utterance.speech.samples, utterance.speech.sample_rate)
        level = _rms_db(samples)
        if not math.isfinite(level):
            continue
        gain = 10.0 ** ((reference_lufs + boost_db - level) / 20.0)
        peak = float(np.max(np.abs(samples))) * gain
        if peak > 0.9:
            gain *= 0.9 / peak
        voices.append(_Voice(round(utterance.start * MIX_RATE), samples * np.float32(gain)))
    return voices


def _envelope(t0: int, n: int, voices: Sequence[_Voice], duck: float, fade: int) -> np.ndarray:
    """Gain of the original for samples ``t0 .. t0+n``: 1, down to ``duck`` under each voice."""
    weight = np.zeros(n, np.float32)
    index = np.arange(t0, t0 + n, dtype=np.float64)
    for voice in voices:
        lo, hi = voice.start - fade, voice.start + len(voice.samples) + fade
        if hi <= t0 or lo >= t0 + n:
            continue
        ramp = np.minimum((index - lo) / fade, (hi - index) / fade)
        np.maximum(weight, np.clip(ramp, 0.0, 1.0).astype(np.float32), out=weight)
    return 1.0 - (1.0 - duck) * weight


def _write_mix(
    src: Path, wav: Path, voices: Sequence[_Voice], total: int, channels: int, duck: float, fade: int
) -> None:
    decoder = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(src), "-vn", "-ac", str(channels), "-ar", str(MIX_RATE),
         "-f", "f32le", "-"],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    assert decoder.stdout is not None
    block = int(_BLOCK_SECONDS * MIX_RATE)
    written = 0
    try:
        with wave.open(str(wav), "wb") as out:
            out.setnchannels(channels)
            out.setsampwidth(2)
            out.setframerate(MIX_RATE)
            while written < total:
                n = min(block, total - written)
                raw = decoder.stdout.read(n * channels * 4)
                frames = np.frombuffer(raw, dtype="<f4")
                frames = frames[: (len(frames) // channels) * channels].reshape(-1, channels)
                if len(frames) < n:  # the original ended early: pad with silence to the exact length
                    frames = np.vstack([frames, np.zeros((n - len(frames), channels), np.float32)])
                mixed = frames * _envelope(written, n, voices, duck, fade)[:, None]
                for voice in voices:
                    lo, hi = max(voice.start, written), min(voice.start + len(voice.samples), written + n)
                    if lo < hi:
                        mixed[lo - written : hi - written] += voice.samples[lo - voice.start : hi - voice.start, None]
                pcm = np.clip(mixed * 0.5, -1.0, 1.0) * 32767.0
                out.writeframes(pcm.astype("<i2").tobytes())
                written += n
    finally:
        decoder.stdout.close()
        decoder.kill()
        decoder.wait()


def _loudnorm(measured: Loudness, true_peak: float) -> str:
    lra = min(50.0, max(7.0, measured.lra + 1.0))
    return (
        f"loudnorm=I={TARGET_LUFS}:TP={true_peak}:LRA={lra:.1f}:measured_I={measured.integrated:.2f}"
        f":measured_TP={measured.true_peak:.2f}:measured_LRA={measured.lra:.2f}"
        f":measured_thresh={measured.threshold:.2f}:linear=true"
    )


def voice_over_mix(
    original: str | os.PathLike[str],
    utterances: Sequence[PlacedUtterance],
    out: str | os.PathLike[str],
    *,
    bitrate: Bitrate = 128,
    duration: float | None = None,
    duck_db: float = -12.0,
    fade: float = 0.15,
    voice_boost_db: float = 2.0,
) -> MixResult:
    """Mix placed utterances over the original (ducked under them) into a loudness-normalised MP4.

    Args:
        original: the entry's media (audio or video; only its audio is used).
        utterances: the placed speech (see :func:`reachflow.audio.fit.place_utterances`).
        out: the MP4 to write.
        bitrate: 64 or 128 kbps AAC-LC.
        duration: the exact length of the result (default: the original's).
        duck_db: how far the original goes down under the voice.
        fade: ramp time of the ducking, in seconds, each side.
        voice_boost_db: the voice's level over the original's integrated loudness.

    Raises:
        MediaError: no audio track, silent audio, or undecodable media.
    """
    src, dst = Path(original), Path(out)
    media_duration, channels = _audio_layout(src)
    length = duration or media_duration
    reference = measure_loudness(src, true_peak=False)
    if reference.silent:
        raise MediaError("the media's audio is silent")
    voices = _levelled(utterances, reference.integrated, voice_boost_db)
    total = round(length * MIX_RATE)
    with tempfile.TemporaryDirectory(prefix="reachflow-mix-") as tmp:
        wav = Path(tmp) / "mix.wav"
        _write_mix(src, wav, voices, total, channels, 10.0 ** (duck_db / 20.0), max(1, round(fade * MIX_RATE)))
        measured = measure_loudness(wav)
        if measured.silent:
            raise MediaError("the mix is silent")
        true_peak = _ENCODE_TRUE_PEAK
        encoded = Path(tmp) / "mix.mp4"
        share = _ENCODER_SHARE
        for _attempt in range(4):
            run_ffmpeg(
                ["-i", str(wav), "-af", _loudnorm(measured, true_peak), *_aac_args(bitrate, channels, length, share),
                 str(encoded)]
            )  # fmt: skip
            result = measure_loudness(encoded)
            share, over = _next_share(encoded, bitrate, share)
            peak_ok = result.true_peak <= MAX_TRUE_PEAK - 0.05
            if peak_ok and not over:
                break
            if not peak_ok:
                true_peak = max(-9.0, true_peak - (result.true_peak - MAX_TRUE_PEAK) - 0.3)
        pad_to_constant_bitrate(encoded, dst, bitrate)
    return MixResult(dst, probe(dst).duration, result, reference)

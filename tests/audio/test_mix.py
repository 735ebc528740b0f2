"""The voice-over mix and clear audio, checked the way a delivery check would: with ffprobe and
an EBU R128 meter on the produced files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from reachflow.audio import Utterance, clear_audio, measure_loudness, place_utterances, probe, voice_over_mix
from reachflow.errors import MediaError
from reachflow.voices import Speech
from tests.audio.conftest import ffmpeg


def decode(path: Path, rate: int = 16_000) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<f4")


def aligned_correlation(a: np.ndarray, b: np.ndarray, max_lag: int = 2048) -> float:
    """Pearson correlation of ``a`` and ``b`` at the lag (within ``max_lag`` samples) that aligns them best."""
    n = min(len(a), len(b))
    a, b = a[:n] - a[:n].mean(), b[:n] - b[:n].mean()
    size = 1 << (2 * n - 1).bit_length()
    cross = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    lags = np.concatenate([cross[: max_lag + 1], cross[-max_lag:]])
    lag = int(np.argmax(lags))
    shift = lag if lag <= max_lag else lag - len(lags)
    x, y = (a[shift:], b[: n - shift]) if shift >= 0 else (a[: n + shift], b[-shift:])
    return float(np.corrcoef(x, y)[0, 1])


def tone_level(samples: np.ndarray, start: float, end: float, hz: float = 220.0, rate: int = 16_000) -> float:
    """Level (dB) of the ``hz`` tone between ``start`` and ``end`` seconds."""
    part = samples[int(start * rate) : int(end * rate)]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    freqs = np.fft.rfftfreq(len(part), 1 / rate)
    band = (freqs > hz - 3) & (freqs < hz + 3)
    return 20 * np.log10(float(spectrum[band].max()) / len(part) + 1e-12)


def assert_delivery_format(path: Path, duration: float, kbps: int) -> None:
    info = probe(path)
    assert "mp4" in info.format_name
    assert info.audio_codec == "aac" and info.audio_profile == "LC"
    assert info.audio_bit_rate == pytest.approx(kbps * 1000, abs=10)  # padded to the rate: reachflow.audio.cbr
    assert info.duration == pytest.approx(duration, abs=0.1)


def test_voice_over_mix_is_a_loudness_normalised_aac_track_of_the_exact_length(
    music_original: Path, english_speech: Speech, tmp_path: Path
) -> None:
    plan = place_utterances([Utterance(3.0, 8.0, "one", english_speech)], 12.0)
    result = voice_over_mix(music_original, plan.utterances, tmp_path / "dub.mp4", bitrate=128)

    assert_delivery_format(result.path, probe(music_original).duration, 128)
    measured = measure_loudness(result.path)
    assert measured.integrated == pytest.approx(-23.0, abs=1.0)
    assert measured.true_peak <= -1.0
    samples = decode(result.path)
    assert float(np.max(np.abs(samples))) < 1.0  # never clipping
    # The original's 220 Hz tone is ducked by about 12 dB under the voice, and back after it.
    first = plan.utterances[0]
    before = tone_level(samples, 0.5, 2.5)
    under = tone_level(samples, first.start + 0.3, first.end - 0.3)
    after = tone_level(samples, first.end + 0.6, 11.5)
    assert under - before < -8
    assert after - before == pytest.approx(0, abs=1.5)


def test_mono_original_gives_a_64_kbps_mono_mix(english_speech: Speech, tmp_path: Path) -> None:
    original = tmp_path / "speech-and-hum.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=f=120:d=7.37:sample_rate=22050", "-af", "volume=0.05", str(original))
    plan = place_utterances([Utterance(1.0, 6.0, "one", english_speech)], 7.37)
    result = voice_over_mix(original, plan.utterances, tmp_path / "dub.mp4", bitrate=64)
    assert_delivery_format(result.path, 7.37, 64)
    assert probe(result.path).channels == 1
    measured = measure_loudness(result.path)
    assert measured.integrated == pytest.approx(-23.0, abs=1.0) and measured.true_peak <= -1.0


def test_clear_audio_is_the_original_re_encoded(music_original: Path, tmp_path: Path) -> None:
    out = clear_audio(music_original, tmp_path / "clear.mp4", bitrate=128)
    assert_delivery_format(out, probe(music_original).duration, 128)
    assert aligned_correlation(decode(music_original), decode(out)) >= 0.99


def test_media_without_sound_is_refused_with_the_reason(english_speech: Speech, tmp_path: Path) -> None:
    silent = tmp_path / "silent.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "3", str(silent))
    with pytest.raises(MediaError, match="silent"):
        voice_over_mix(silent, [], tmp_path / "out.mp4")
    video_only = tmp_path / "video.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "color=c=red:s=64x64:d=2:r=5", "-c:v", "libx264", "-preset", "ultrafast", str(video_only)
    )
    with pytest.raises(MediaError, match="no audio track"):
        clear_audio(video_only, tmp_path / "clear.mp4")

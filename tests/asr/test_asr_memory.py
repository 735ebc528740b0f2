"""Bounded memory in recognition: the same numbers as stock faster-whisper, in less memory.

A 3-hour captions job must stay under 1 GB (bench/captions_bench.py measures the whole job); these
tests pin the pieces: log-mel features and Silero VAD computed in chunks give faster-whisper's own
results, and language ID's base model does not stay loaded beside the recognition model.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from faster_whisper.feature_extractor import FeatureExtractor
from faster_whisper.vad import SileroVADModel, get_vad_model

from blocks.engines import SpeechEngineSettings
from reachflow.asr import faster
from reachflow.asr.base import SAMPLE_RATE, read_wav
from reachflow.asr.faster import FasterWhisperEngine, _lean_feature_extractor, lean_vad_class
from reachflow.asr.language import identify_language


def _speechlike(seconds: float, seed: int = 0) -> np.ndarray:
    """Noise with a slow loudness envelope (features and VAD see varied frames, not a constant)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    envelope = 0.05 + 0.3 * np.abs(np.sin(np.arange(n) / SAMPLE_RATE * 1.7))
    return (rng.standard_normal(n) * envelope).astype(np.float32)


@pytest.mark.parametrize("seconds", [0.04, 1.0, 29.0, 30.0, 61.3, 95.0])
def test_chunked_features_equal_faster_whispers_own(seconds: float) -> None:
    audio = _speechlike(seconds)
    stock = FeatureExtractor()(audio)
    lean = _lean_feature_extractor(FeatureExtractor())(audio)
    assert lean.shape == stock.shape and lean.dtype == stock.dtype
    # Bit-identical on the development machine; a BLAS with other kernels may round the mel sums
    # differently in the last place, never more.
    np.testing.assert_allclose(lean, stock, rtol=0, atol=1e-6)


def test_chunked_features_on_speech_and_with_chunk_length(english_clip: tuple[Path, str]) -> None:
    audio = read_wav(english_clip[0])
    stock_extractor, lean_extractor = FeatureExtractor(), _lean_feature_extractor(FeatureExtractor())
    np.testing.assert_allclose(
        lean_extractor(audio, chunk_length=20), stock_extractor(audio, chunk_length=20), rtol=0, atol=1e-6
    )
    assert (lean_extractor.n_samples, lean_extractor.nb_max_frames) == (
        stock_extractor.n_samples,
        stock_extractor.nb_max_frames,
    )


def test_features_of_a_300_s_window_stay_small() -> None:
    """The stock extractor holds ~240 MB for a 300 s window (the job's old peak); this one ~60."""
    audio = _speechlike(300.0)
    lean = _lean_feature_extractor(FeatureExtractor())
    tracemalloc.start()
    try:
        lean(audio)
        _, lean_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        FeatureExtractor()(audio)
        _, stock_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lean_peak < 80 * 2**20, lean_peak
    assert stock_peak > 3 * lean_peak, (stock_peak, lean_peak)


def test_lean_vad_gives_the_stock_speech_probabilities(long_clip: tuple[Path, str]) -> None:
    model = get_vad_model()
    stock = SileroVADModel.__new__(SileroVADModel)
    stock.__dict__.update(model.__dict__)
    lean = lean_vad_class().__new__(lean_vad_class())
    lean.__dict__.update(model.__dict__)
    speech = read_wav(long_clip[0])
    audio = np.concatenate([speech, speech, speech, speech, speech])  # ~5 min: 9,000+ windows
    audio = audio[: len(audio) // 512 * 512]
    expected = SileroVADModel.__call__(stock, audio.copy())
    got = lean(audio.copy())
    assert got.shape == expected.shape and len(got) > 5 * lean.batch_windows
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


def test_loaded_models_and_the_shared_vad_use_the_lean_pieces(
    tiny: FasterWhisperEngine, english_clip: tuple[Path, str]
) -> None:
    tiny.transcribe(english_clip[0], language="en")
    model = tiny._model()
    assert isinstance(model.feature_extractor, faster.chunked_feature_extractor_class())
    assert isinstance(get_vad_model(), lean_vad_class())


def test_language_id_does_not_keep_base_loaded(models_dir: Path, english_clip: tuple[Path, str]) -> None:
    settings = SpeechEngineSettings(model_cache_dir=str(models_dir), cpu_threads=2)
    engine = settings.build_language_engine()
    assert engine.keep_model_loaded is False
    key = (str(engine.model_path), engine.compute_type, engine.cpu_threads)
    shared_before = faster._MODELS.get(key)

    guess = identify_language(english_clip[0], settings=settings)

    assert guess.code == "en"
    # Nothing new was kept for the process: a base loaded only for language ID is gone with it.
    assert faster._MODELS.get(key) is shared_before


def test_an_engine_that_does_not_keep_its_model_releases_it(models_dir: Path, english_clip: tuple[Path, str]) -> None:
    engine = FasterWhisperEngine("base", cpu_threads=2, models_dir=models_dir, keep_model_loaded=False)
    key = (str(engine.model_path), engine.compute_type, engine.cpu_threads)
    shared = faster._MODELS.pop(key, None)  # as in a worker that never ran a non-English job
    try:
        code, probability, _ = engine.detect_language(read_wav(english_clip[0], 0.0, 30.0))
        assert code == "en" and probability > 0.5
        own = engine._model()
        assert engine._own_models and key not in faster._MODELS
        engine.release()
        assert not engine._own_models
        assert engine._model() is not own  # loads again when used again
        engine.release()
        # A model another engine shares is used as it is, and never dropped by release().
        keeper = FasterWhisperEngine("base", cpu_threads=2, models_dir=models_dir)
        kept = keeper._model()
        assert engine._model() is kept
        engine.release()
        assert faster._MODELS.get(key) is kept
    finally:
        if shared is not None:
            faster._MODELS[key] = shared

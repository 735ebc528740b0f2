"""The openai-whisper engine's loading path. Decoding is not exercised here: it needs torch and a
checkpoint, and neither can be installed or downloaded on these machines (see the module docstring)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from reachflow.asr.models import ModelUnavailable
from reachflow.asr.openai_engine import OpenAIWhisperEngine, resolve_weights

HAS_PACKAGE = importlib.util.find_spec("whisper") is not None


@pytest.mark.skipif(HAS_PACKAGE, reason="openai-whisper is installed in this venv")
def test_missing_package_is_a_clear_error_even_with_weights(tmp_path: Path) -> None:
    weights = tmp_path / "base.pt"
    weights.write_bytes(b"not really a checkpoint")
    with pytest.raises(ModelUnavailable) as raised:
        OpenAIWhisperEngine(weights)
    message = str(raised.value)
    assert "needs the 'openai-whisper' package" in message
    assert "package 'openai-whisper' not installed" in message
    assert "no weights file" not in message
    assert "never downloads" in message


def test_missing_weights_is_a_clear_error_naming_the_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REACHFLOW_OPENAI_WHISPER_WEIGHTS", raising=False)
    with pytest.raises(ModelUnavailable) as raised:
        OpenAIWhisperEngine(tmp_path / "w" / "base.pt", models_dir=tmp_path / "m")
    assert "no weights file" in raised.value.detail
    assert str(tmp_path / "w" / "base.pt") in raised.value.detail
    assert str(tmp_path / "m" / "openai-whisper" / "base.pt") in raised.value.detail


def test_weights_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "models"
    default = cache / "openai-whisper" / "small.pt"
    default.parent.mkdir(parents=True)
    default.write_bytes(b"x")
    monkeypatch.delenv("REACHFLOW_OPENAI_WHISPER_WEIGHTS", raising=False)
    # Nothing given: the models folder.
    assert resolve_weights(None, model="small", cache_dir=cache)[0] == default
    # The environment beats the folder; a folder argument means "<folder>/<model>.pt".
    env_file = tmp_path / "env.pt"
    env_file.write_bytes(b"x")
    monkeypatch.setenv("REACHFLOW_OPENAI_WHISPER_WEIGHTS", str(env_file))
    assert resolve_weights(None, model="small", cache_dir=cache)[0] == env_file
    given = tmp_path / "given"
    given.mkdir()
    (given / "small.pt").write_bytes(b"x")
    path, tried = resolve_weights(given, model="small", cache_dir=cache)
    assert path == given / "small.pt" and tried[0] == given / "small.pt"
    # A missing explicit file falls through to the next candidate that exists.
    assert resolve_weights(tmp_path / "nope.pt", model="small", cache_dir=cache)[0] == env_file

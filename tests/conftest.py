"""Test-wide settings: every test session gets its own Prefect home and ReachFlow home.

Prefect reads its settings at import time, so they are set here, before anything imports it.
Flow tests opt in to a real Prefect server (``prefect_test_harness``) through the ``prefect_server``
fixture (see ``tests/flows/conftest.py``); pure tests never pay for one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="reachflow-tests-"))
os.environ.setdefault("PREFECT_HOME", str(_SESSION_DIR / "prefect"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
os.environ.setdefault("REACHFLOW_HOME", str(_SESSION_DIR / "reachflow"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Recognition in the flow tests uses tiny.en, the model their WER bounds were measured with; the
# deadline-driven choice of the larger model ('auto', the production default) is unit-tested.
os.environ.setdefault("REACHFLOW_QUALITY_MODE", "fast")
# Tests must never talk to a Prefect server that happens to be configured on the machine.
os.environ.pop("PREFECT_API_URL", None)

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def session_dir() -> Path:
    """A folder that lives as long as the test session (media caches, model folders)."""
    return _SESSION_DIR

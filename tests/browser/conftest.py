"""Browser tests: a real ``prefect server`` (it serves the UI; the test harness does not), a runner
serving the flows, the Kaltura sandbox, and Debian's Chromium driven by Playwright.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``make test``); Playwright never
downloads a browser here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = os.environ.get("REACHFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def prefect_ui(session_dir: Path) -> Iterator[str]:
    """A real Prefect server with its UI on a free port; the test process's client points at it."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    port = _free_port()
    home = session_dir / "prefect-ui-server"
    home.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_URL": f"{url}/api",
        "PREFECT_UI_API_URL": f"{url}/api",
    }
    log_path = home / "server.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "prefect"),
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prefect server did not start:\n{log_path.read_text()[-3000:]}")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.5)
        with temporary_settings({PREFECT_API_URL: f"{url}/api"}):
            yield url
    finally:
        import signal

        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def served_flows_ui(prefect_ui: str, session_dir: Path) -> Iterator[dict[str, Any]]:
    from tests.runner import serving_flows

    with serving_flows(f"{prefect_ui}/api", session_dir / "runner-ui") as served:
        yield served


@contextmanager
def headless_chromium() -> Iterator[Any]:
    """Headless Debian Chromium under Playwright (opened only around the browser steps: Playwright's
    sync API keeps an event loop running, which Prefect's sync calls must not run inside)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()

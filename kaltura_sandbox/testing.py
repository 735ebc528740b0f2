"""Run a sandbox inside a test: ``with running_sandbox(scenario) as sandbox: ...``."""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from kaltura_sandbox.app import create_app
from kaltura_sandbox.faults import FaultPlan
from kaltura_sandbox.framework import Store
from kaltura_sandbox.scenario import build_store, credentials, load_scenario

__all__ = ["RunningSandbox", "running_sandbox"]


@dataclass
class RunningSandbox:
    base_url: str
    credentials: dict[str, Any]
    store: Store
    faults: FaultPlan
    scenario: dict[str, Any]

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_sandbox(
    scenario: Path | str | dict[str, Any] | None = None,
    faults: FaultPlan | dict[str, Any] | None = None,
    media_dir: Path | None = None,
) -> Iterator[RunningSandbox]:
    """Serve a sandbox on a free loopback port in a background thread for the ``with`` block."""
    data = load_scenario(scenario)
    folder = Path(media_dir) if media_dir else Path(tempfile.mkdtemp(prefix="sandbox-media-"))
    store = build_store(data, folder)
    plan = faults if isinstance(faults, FaultPlan) else FaultPlan.from_dict(faults or data.get("faults"))
    app = create_app(store, plan)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.post(f"{base_url}/api_v3/service/system/action/ping", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    try:
        yield RunningSandbox(base_url, credentials(data, base_url), store, plan, data)
    finally:
        server.should_exit = True
        thread.join(timeout=10)

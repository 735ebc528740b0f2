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

import uvicorn

from kaltura_sandbox.app import create_app
from kaltura_sandbox.faults import FaultPlan
from kaltura_sandbox.framework import Store
from kaltura_sandbox.scenario import build_store, credentials, load_scenario

__all__ = ["RunningSandbox", "running_sandbox"]


# Media is cached by content hash, so one folder can serve every sandbox of a machine.
DEFAULT_MEDIA_DIR = Path(tempfile.gettempdir()) / "kaltura-sandbox-media"


@dataclass
class RunningSandbox:
    """A sandbox served in the background: where it is, its secrets, state and fault plan."""

    base_url: str
    credentials: dict[str, Any]
    store: Store
    faults: FaultPlan
    scenario: dict[str, Any]

    def url(self, path: str) -> str:
        """An absolute URL on the sandbox, e.g. ``url("/api_v3/service/system/action/ping")``."""
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
    """Serve a sandbox on a free loopback port in a background thread for the ``with`` block.

    Args:
        scenario: a scenario file, an inline scenario dict, or None for the default scenario.
        faults: a fault plan (or its dict form); default: the scenario's ``faults:`` section,
            else none. The plan stays mutable through ``sandbox.faults``.
        media_dir: where entry media is synthesised (default: a shared cache in the temp dir).

    Yields:
        The running sandbox (``base_url``, ``credentials``, ``store``, ``faults``, ``url()``).
    """
    data = load_scenario(scenario)
    folder = Path(media_dir) if media_dir else DEFAULT_MEDIA_DIR
    store = build_store(data, folder)
    plan = faults if isinstance(faults, FaultPlan) else FaultPlan.from_dict(faults or data.get("faults"))
    app = create_app(store, plan)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"kaltura-sandbox-{port}", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the sandbox did not start on {base_url}")
        time.sleep(0.02)
    try:
        yield RunningSandbox(base_url, credentials(data, base_url), store, plan, data)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        relay = store.extra.get("live_relay")
        if relay is not None:
            relay.stop()

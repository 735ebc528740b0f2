"""Serving the sandbox: ``reachflow sandbox`` and ``reachflow sandbox credentials``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import uvicorn

from kaltura_sandbox.app import create_app
from kaltura_sandbox.faults import FaultPlan
from kaltura_sandbox.scenario import build_store, load_scenario
from kaltura_sandbox.scenario import credentials as scenario_credentials

__all__ = ["credentials", "serve"]

DEFAULT_MEDIA_DIR = Path("var/sandbox-media")


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    scenario_path: Path | None = None,
    media_dir: Path | None = None,
    faults_path: Path | None = None,
) -> None:
    """Build the scenario's state (synthesising media the first time) and serve it until stopped.

    Args:
        host: the interface to listen on.
        port: the TCP port.
        scenario_path: a scenario YAML file (None: ``scenarios/default.yaml``).
        media_dir: where synthesised media is cached (default ``var/sandbox-media``).
        faults_path: a fault-plan YAML file (default: the scenario's ``faults:`` section, else none).
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    scenario = load_scenario(scenario_path)
    store = build_store(scenario, media_dir or DEFAULT_MEDIA_DIR)
    faults = FaultPlan.from_file(faults_path) if faults_path else FaultPlan.from_dict(scenario.get("faults"))
    app = create_app(store, faults)
    logging.getLogger("kaltura_sandbox").info(
        "Kaltura sandbox: %d partners, %d entries, %d tasks at http://%s:%d",
        len(store.table("partners")),
        len(store.table("entries")),
        len(store.table("tasks")),
        host,
        port,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")


def credentials(scenario_path: Path | None = None, service_url: str = "http://127.0.0.1:8765") -> dict[str, Any]:
    """What a vendor needs to talk to a sandbox serving ``scenario_path`` at ``service_url``.

    Returns:
        ``{"service_url", "vendor_partner_id", "vendor_admin_secret", "app_token_id", "app_token",
        "app_token_hash_type", "customers": [{"partner_id", "admin_secret"}, ...]}``.
    """
    return scenario_credentials(load_scenario(scenario_path), service_url)

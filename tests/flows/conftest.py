"""Flow tests run against a real Prefect server (the test harness) and the Kaltura sandbox."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Retries happen at once in tests (the delays are a production concern, measured in bench/).
os.environ.setdefault("REACHFLOW_RETRY_DELAY_SCALE", "0")

from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    """One Prefect server (SQLite) for every flow test of the session."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    from reachflow.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def no_leftover_runs() -> Iterator[None]:
    """Each test starts without the flow runs of earlier tests (they would take discovery slots)."""
    yield
    from prefect.client.orchestration import get_client

    async def wipe() -> None:
        async with get_client() as client:
            for run in await client.read_flow_runs(limit=200):
                await client.delete_flow_run(run.id)

    asyncio.run(wipe())


@pytest.fixture(scope="session")
def media_cache(session_dir: Path) -> Path:
    folder = session_dir / "sandbox-media"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def vendor_sandbox(
    scenario: dict[str, Any] | Path | None, media_dir: Path, faults: Any = None
) -> Iterator[tuple[Any, str]]:
    """A running sandbox and the name of a saved KalturaVendorAccount block pointing at it."""
    from blocks.kaltura import KalturaVendorAccount
    from kaltura_sandbox.testing import running_sandbox

    with running_sandbox(scenario=scenario, faults=faults, media_dir=media_dir) as sandbox:
        creds = sandbox.credentials
        block_name = f"vendor-{uuid.uuid4().hex[:8]}"
        KalturaVendorAccount(
            service_url=sandbox.base_url,
            vendor_partner_id=creds["vendor_partner_id"],
            vendor_name="testvendor",
            app_token_id=creds["app_token_id"],
            app_token=creds["app_token"],
            app_token_hash_type=creds.get("app_token_hash_type", "SHA256"),
        ).save(block_name, overwrite=True)
        yield sandbox, block_name


def customer_client(sandbox: Any, partner_id: int) -> Any:
    """An official KalturaClient with the customer's admin KS: how tests look at results."""
    from KalturaClient import KalturaClient, KalturaConfiguration
    from KalturaClient.Plugins.Core import KalturaSessionType

    secret = next(c["admin_secret"] for c in sandbox.credentials["customers"] if c["partner_id"] == partner_id)
    client = KalturaClient(KalturaConfiguration(sandbox.base_url))
    client.setKs(client.session.start(secret, "", KalturaSessionType.ADMIN, partner_id))
    return client


def vendor_task(sandbox: Any, task_id: int) -> Any:
    """The task as Kaltura reports it to the vendor (entryVendorTask.list, vendor KS)."""
    from KalturaClient import KalturaClient, KalturaConfiguration
    from KalturaClient.Plugins.Core import KalturaSessionType
    from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter

    creds = sandbox.credentials
    client = KalturaClient(KalturaConfiguration(sandbox.base_url))
    client.setKs(
        client.session.start(creds["vendor_admin_secret"], "", KalturaSessionType.ADMIN, creds["vendor_partner_id"])
    )
    f = KalturaEntryVendorTaskFilter()
    f.idEqual = task_id
    return client.reach.entryVendorTask.list(f).objects[0]


VENDOR = {
    "partner_id": 9000,
    "admin_secret": "vendor-secret",
    "app_token": {"id": "0_apptok", "token": "app-token-value-123", "hash_type": "SHA256"},
}


class _Runner:
    """The runner process of ``served_flows``, started when a module needs it, stopped when one must not have it."""

    def __init__(self, api_url: str, folder: Path) -> None:
        self.api_url, self.folder = api_url, folder
        self._context: Any = None
        self.served: dict[str, Any] | None = None

    def start(self) -> dict[str, Any]:
        from tests.runner import serving_flows

        if self.served is None:
            self._context = serving_flows(self.api_url, self.folder)
            self.served = self._context.__enter__()
        assert self.served is not None
        return self.served

    def stop(self) -> None:
        if self._context is not None:
            context, self._context, self.served = self._context, None, None
            context.__exit__(None, None, None)


@pytest.fixture(scope="session")
def _runner(session_dir: Path, prefect_server: None) -> Iterator[_Runner]:
    from prefect.settings import PREFECT_API_URL

    runner = _Runner(str(PREFECT_API_URL.value()), session_dir / "runner")
    yield runner
    runner.stop()


@pytest.fixture(scope="module")
def served_flows(_runner: _Runner) -> dict[str, Any]:
    """A real Prefect runner process serving the service flows as deployments (see tests/runner.py).

    Started once and kept for the modules after (its start-up costs seconds); a module whose
    scheduled runs must stay scheduled uses ``no_served_flows``, which stops it.
    """
    return _runner.start()


@pytest.fixture(scope="module")
def no_served_flows(_runner: _Runner) -> None:
    """No runner picks up this module's runs (discovery and reconcile tests inspect them while scheduled)."""
    _runner.stop()

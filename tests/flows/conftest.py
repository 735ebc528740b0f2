"""Flow tests run against a real Prefect server (the test harness) and the Kaltura sandbox."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

# Retries happen at once in tests (the delays are a production concern, measured in bench/).
os.environ.setdefault("REACHFLOW_RETRY_DELAY_SCALE", "0")

from prefect.testing.utilities import prefect_test_harness  # noqa: E402


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
def vendor_sandbox(scenario: dict[str, Any] | Path | None, media_dir: Path, faults: Any = None) -> Iterator[tuple[Any, str]]:
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
    client.setKs(client.session.start(creds["vendor_admin_secret"], "", KalturaSessionType.ADMIN,
                                      creds["vendor_partner_id"]))
    f = KalturaEntryVendorTaskFilter()
    f.idEqual = task_id
    return client.reach.entryVendorTask.list(f).objects[0]


VENDOR = {
    "partner_id": 9000,
    "admin_secret": "vendor-secret",
    "app_token": {"id": "0_apptok", "token": "app-token-value-123", "hash_type": "SHA256"},
}


@pytest.fixture(scope="session")
def served_flows(session_dir: Path, prefect_server: None) -> Iterator[dict[str, Any]]:
    """A real Prefect runner process serving the service flows as deployments.

    ``suspend_flow_run`` needs a deployment: a suspended run's process exits, and on resume the
    runner starts a new process that runs the flow again from the top, as a worker does in
    production. Yields the deployment ids by name.
    """
    import subprocess
    import sys
    import time

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    storage = session_dir / "prefect-results"
    storage.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PREFECT_LOCAL_STORAGE_PATH": str(storage),
        "REACHFLOW_RETRY_DELAY_SCALE": "0",
    }
    code = (
        "from prefect import serve\n"
        "from flows.captions import captions_flow\n"
        "serve(captions_flow.to_deployment(name='captions'), limit=2)\n"
    )
    log_path = session_dir / "runner.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=subprocess.STDOUT,
                                cwd=Path(__file__).resolve().parents[2], start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        deployment_id = None
        while deployment_id is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the runner did not start; see {log_path}:\n{log_path.read_text()[-3000:]}")

            async def find() -> Any:
                async with get_client() as client:
                    try:
                        return (await client.read_deployment_by_name("reach-captions/captions")).id
                    except Exception:
                        return None

            deployment_id = asyncio.run(find())
            time.sleep(0.5)
        yield {"captions": deployment_id, "log": log_path, "storage": storage}
    finally:
        import signal

        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def start_run(deployment_id: Any, task_id: int, partner_id: int, block: str) -> Any:
    """A flow run of the deployment for one REACH task, named and tagged as discovery does."""
    from prefect.client.orchestration import get_client

    from reachflow.routing import CAPTIONS, run_name, run_tags

    async def create() -> Any:
        async with get_client() as client:
            return await client.create_flow_run_from_deployment(
                deployment_id,
                parameters={"task_id": task_id, "partner_id": partner_id, "account_block": block},
                name=run_name(CAPTIONS, partner_id, task_id),
                tags=run_tags(partner_id, task_id, 1, 1),
            )

    return asyncio.run(create())


def wait_for_run(run_id: Any, done: Any, timeout: float = 240, what: str = "") -> Any:
    """Poll the flow run until ``done(run)``; fail with its state and the runner's log otherwise."""
    import time

    from prefect.client.orchestration import get_client

    async def read() -> Any:
        async with get_client() as client:
            return await client.read_flow_run(run_id)

    deadline = time.monotonic() + timeout
    run = asyncio.run(read())
    while not done(run):
        if run.state is not None and run.state.is_final() and not done(run):
            raise AssertionError(f"run ended {run.state.name}: {run.state.message} (waiting for {what})")
        if time.monotonic() > deadline:
            raise AssertionError(f"run still {run.state.name if run.state else '?'} after {timeout} s ({what})")
        time.sleep(1)
        run = asyncio.run(read())
    return run

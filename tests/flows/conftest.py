"""Flow tests run against a real Prefect server (the test harness) and the Kaltura sandbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    """One Prefect server (SQLite) for every flow test of the session."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


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


@pytest.fixture(scope="session")
def media_cache(session_dir: Path) -> Path:
    folder = session_dir / "sandbox-media"
    folder.mkdir(parents=True, exist_ok=True)
    return folder

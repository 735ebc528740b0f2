"""What the delivery tests share: a sandbox for one module's scenario and a task's API as the vendor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from blocks.kaltura import KalturaVendorAccount
from kaltura_sandbox.faults import FaultPlan
from kaltura_sandbox.testing import running_sandbox
from tasks.kaltura import TaskApi, VendorApi


@contextmanager
def module_sandbox(scenario: dict[str, Any], session_dir: Path) -> Iterator[Any]:
    """The sandbox with ``scenario``, no faults, media cached for the whole test session."""
    media = session_dir / "sandbox-media"
    media.mkdir(parents=True, exist_ok=True)
    with running_sandbox(scenario, faults=FaultPlan(), media_dir=media) as box:
        yield box


def vendor_task_api(box: Any, scenario: dict[str, Any], task_id: int) -> TaskApi:
    """The task's API as the scenario's vendor sees it (app-token session, the task's accessKey)."""
    vendor_spec = scenario["vendor"]
    token = vendor_spec["app_token"]
    vendor = VendorApi(
        KalturaVendorAccount(
            service_url=box.base_url,
            vendor_partner_id=vendor_spec["partner_id"],
            vendor_name="tests",
            app_token_id=token["id"],
            app_token=token["token"],
        )
    )
    task = vendor.get_task(task_id)
    assert task is not None
    return vendor.task_api(task)

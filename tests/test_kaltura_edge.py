"""The vendor's Kaltura edge (``tasks/kaltura.py``) against the sandbox, without Prefect: how each
failure is classified, which calls are repeated on transient faults, and that no secret leaks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from KalturaClient.exceptions import KalturaClientException, KalturaException

from blocks.kaltura import KalturaVendorAccount
from kaltura_sandbox.faults import FaultPlan
from kaltura_sandbox.testing import running_sandbox
from reachflow.errors import AccessKeyExpired, PermanentError, TaskAlreadyFinal, TransientError
from tasks.kaltura import VendorApi, map_kaltura_error

APP_TOKEN = "edge-app-token-value-0123456789"
SCENARIO = {
    "vendor": {"partner_id": 9000, "admin_secret": "edge-vendor-secret",
               "app_token": {"id": "0_edgetok", "token": APP_TOKEN, "hash_type": "SHA256"}},
    "catalog_items": [{"id": 101, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS"}],
    "customers": [{
        "partner_id": 2001, "admin_secret": "edge-customer-secret", "reach_profiles": [{"id": 301}],
        "entries": [{"id": "0_edge0001", "speech": [{"text": "Hello."}]}],
        "tasks": [{"id": 9100 + i, "entry": "0_edge0001", "catalog_item": 101, "reach_profile": 301,
                   "created": f"-{60 - i}m"} for i in range(7)],
    }],
}


@pytest.fixture(scope="module")
def sandbox(session_dir: Path) -> Iterator[Any]:
    media = session_dir / "sandbox-media"
    media.mkdir(parents=True, exist_ok=True)
    with running_sandbox(SCENARIO, faults=FaultPlan(), media_dir=media) as box:
        yield box


def account(box: Any, token: str = APP_TOKEN) -> KalturaVendorAccount:
    return KalturaVendorAccount(service_url=box.base_url, vendor_partner_id=9000, vendor_name="edge",
                                app_token_id="0_edgetok", app_token=token)


def test_kaltura_failures_are_classified() -> None:
    expired = map_kaltura_error(KalturaException("Invalid KS \"x\" Error \"-1,EXPIRED\"", "INVALID_KS"))
    assert isinstance(expired, AccessKeyExpired)
    assert isinstance(map_kaltura_error(KalturaException("bad", "INVALID_KS")), PermanentError)
    final = map_kaltura_error(KalturaException("Cannot update", "CANNOT_UPDATE_STATUS_OF_TASK_WHICH_IS_IN_FINAL_STATE"))
    assert isinstance(final, TaskAlreadyFinal)
    assert isinstance(map_kaltura_error(KalturaException("oops", "INTERNAL_SERVERL_ERROR")), TransientError)
    gone = map_kaltura_error(KalturaException("Entry id \"0_x\" not found", "ENTRY_ID_NOT_FOUND"), context="get entry")
    assert isinstance(gone, PermanentError) and not isinstance(gone, TransientError)
    assert gone.message.startswith("get entry: ") and gone.message.endswith("(ENTRY_ID_NOT_FOUND)")
    assert isinstance(map_kaltura_error(KalturaClientException("read timeout", -9)), TransientError)
    assert isinstance(map_kaltura_error(requests.ConnectionError("refused")), TransientError)
    assert isinstance(map_kaltura_error(KeyError("surprise")), PermanentError)


def test_paging_reads_every_pending_task_oldest_first(sandbox: Any) -> None:
    import tasks.kaltura as edge

    old = edge.PAGE_SIZE
    edge.PAGE_SIZE = 3  # 7 tasks: three pages
    try:
        jobs = VendorApi(account(sandbox)).get_pending_jobs()
    finally:
        edge.PAGE_SIZE = old
    assert [t.id for t in jobs] == list(range(9100, 9107))


def test_a_transient_fault_on_a_read_is_retried_but_an_add_is_not(sandbox: Any) -> None:
    plan = sandbox.faults
    plan.rules.clear()
    rule = plan.add("http_error", service="reach_entryvendortask", action="getJobs", first_n=1, status=502)
    assert len(VendorApi(account(sandbox)).get_pending_jobs()) == 7
    assert rule.fired == 1  # the first answer was a 502, the call was repeated

    api = VendorApi(account(sandbox))
    task = api.get_task(9100)
    assert task is not None
    task_api = api.task_api(task)
    # An unused upload token is harmless: creating one is repeated on a transient fault.
    token_fault = plan.add("http_error", service="uploadtoken", action="add", first_n=1)
    assert task_api.upload(b"1\n00:00:00,000 --> 00:00:01,000\nHello.\n", "c.srt")
    assert token_fault.fired == 1 and token_fault.matched == 2
    # A caption asset is not: whether a lost add took effect is unknown, so the caller looks
    # before it adds again (find-before-add in tasks/delivery.py), not this layer.
    add = plan.add("http_error", service="caption_captionasset", action="add", first_n=1)
    with pytest.raises(TransientError):
        task_api.add_caption_asset("0_edge0001", language="English", label="English", format="1", accuracy=90,
                                   is_default=True, display_on_player=True, tags="t", file_ext="srt")
    assert add.fired == 1 and add.matched == 1
    plan.rules.clear()


def test_a_rejected_app_token_is_permanent_and_the_token_never_shows(sandbox: Any) -> None:
    wrong = "wrong-token-value-that-must-not-leak"
    with pytest.raises(PermanentError) as caught:
        VendorApi(account(sandbox, token=wrong)).get_pending_jobs()
    message = caught.value.message
    assert "app token was rejected" in message
    assert wrong not in message and wrong not in repr(caught.value) and APP_TOKEN not in message

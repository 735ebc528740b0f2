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
    "vendor": {
        "partner_id": 9000,
        "admin_secret": "edge-vendor-secret",
        "app_token": {"id": "0_edgetok", "token": APP_TOKEN, "hash_type": "SHA256"},
    },
    "catalog_items": [{"id": 101, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS"}],
    "customers": [
        {
            "partner_id": 2001,
            "admin_secret": "edge-customer-secret",
            "reach_profiles": [{"id": 301}],
            "entries": [{"id": "0_edge0001", "speech": [{"text": "Hello."}]}],
            "tasks": [
                {
                    "id": 9100 + i,
                    "entry": "0_edge0001",
                    "catalog_item": 101,
                    "reach_profile": 301,
                    "created": f"-{60 - i}m",
                }
                for i in range(7)
            ],
        }
    ],
}


@pytest.fixture(autouse=True)
def no_retry_delays(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Retries happen at once here (the delays are a production concern)."""
    from reachflow.settings import get_settings

    monkeypatch.setenv("REACHFLOW_RETRY_DELAY_SCALE", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def sandbox(session_dir: Path) -> Iterator[Any]:
    media = session_dir / "sandbox-media"
    media.mkdir(parents=True, exist_ok=True)
    with running_sandbox(SCENARIO, faults=FaultPlan(), media_dir=media) as box:
        yield box


def account(box: Any, token: str = APP_TOKEN) -> KalturaVendorAccount:
    return KalturaVendorAccount(
        service_url=box.base_url, vendor_partner_id=9000, vendor_name="edge", app_token_id="0_edgetok", app_token=token
    )


def test_kaltura_failures_are_classified() -> None:
    expired = map_kaltura_error(KalturaException('Invalid KS "x" Error "-1,EXPIRED"', "INVALID_KS"))
    assert isinstance(expired, AccessKeyExpired)
    assert isinstance(map_kaltura_error(KalturaException("bad", "INVALID_KS")), PermanentError)
    final = map_kaltura_error(KalturaException("Cannot update", "CANNOT_UPDATE_STATUS_OF_TASK_WHICH_IS_IN_FINAL_STATE"))
    assert isinstance(final, TaskAlreadyFinal)
    assert isinstance(map_kaltura_error(KalturaException("oops", "INTERNAL_SERVERL_ERROR")), TransientError)
    gone = map_kaltura_error(KalturaException('Entry id "0_x" not found', "ENTRY_ID_NOT_FOUND"), context="get entry")
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


def test_one_transient_fault_costs_one_more_try_and_a_lasting_one_the_policy(sandbox: Any) -> None:
    from tasks.kaltura import RETRY_POLICY

    plan = sandbox.faults
    plan.rules.clear()
    once = plan.add("http_error", service="reach_entryvendortask", action="getJobs", first_n=1, status=502)
    assert len(VendorApi(account(sandbox)).get_pending_jobs()) == 7
    assert (once.fired, once.matched) == (1, 2)  # the 502, then one successful repeat
    plan.rules.clear()
    lasting = plan.add("drop", service="reach_entryvendortask", action="getJobs")
    with pytest.raises(TransientError):
        VendorApi(account(sandbox)).get_pending_jobs()
    assert lasting.matched == RETRY_POLICY.attempts == 4  # bounded: no other layer repeats it
    plan.rules.clear()


def _caption_api(sandbox: Any, task_id: int) -> Any:
    api = VendorApi(account(sandbox))
    task = api.get_task(task_id)
    assert task is not None
    return api.task_api(task)


def _add_caption(task_api: Any, tags: str) -> Any:
    return task_api.add_caption_asset(
        "0_edge0001",
        language="English",
        label="English",
        format="1",
        accuracy=90,
        is_default=True,
        display_on_player=True,
        tags=tags,
        file_ext="srt",
    )


def _tagged(sandbox: Any, tag: str) -> list[dict[str, Any]]:
    return [a for a in sandbox.store.rows("caption_assets") if tag in (a.get("tags") or "")]


def test_an_add_whose_answer_was_lost_is_found_not_repeated(sandbox: Any) -> None:
    plan = sandbox.faults
    plan.rules.clear()
    task_api = _caption_api(sandbox, 9101)
    lost = plan.add("drop_after", service="caption_captionasset", action="add", first_n=1)
    asset = _add_caption(task_api, "edge-lost-add,role-x")
    assert lost.fired == 1 and lost.matched == 1  # verified by reading back, never sent again
    assert [a["id"] for a in _tagged(sandbox, "edge-lost-add")] == [asset.id]
    # A refused add (the 503 came before the work) is verified, then repeated once.
    refused = plan.add("http_error", service="caption_captionasset", action="add", first_n=1)
    again = _add_caption(task_api, "edge-refused-add,role-x")
    assert refused.matched == 2
    assert [a["id"] for a in _tagged(sandbox, "edge-refused-add")] == [again.id]
    plan.rules.clear()


def test_set_content_whose_answer_was_lost_is_verified_by_its_bytes(sandbox: Any) -> None:
    plan = sandbox.faults
    plan.rules.clear()
    task_api = _caption_api(sandbox, 9102)
    srt = b"1\n00:00:00,000 --> 00:00:01,000\nHello.\n"
    asset = _add_caption(task_api, "edge-content,role-x")
    lost = plan.add("drop_after", service="caption_captionasset", action="setContent", first_n=1)
    done = task_api.set_caption_file(asset.id, srt, "c.srt")
    assert done.status == 2 and lost.matched == 1  # READY with these bytes: not repeated
    assert task_api.get_caption_content(asset.id).encode() == srt
    # Refused before the work: the content goes up again under a fresh token, not the used one.
    other = _add_caption(task_api, "edge-content2,role-x")
    refused = plan.add("http_error", service="caption_captionasset", action="setContent", first_n=1)
    tokens = plan.add("delay", service="uploadtoken", action="add", delay_seconds=0)
    task_api.set_caption_file(other.id, srt, "c.srt")
    assert refused.matched == 2 and tokens.matched == 2
    assert task_api.get_caption_content(other.id).encode() == srt
    plan.rules.clear()


def test_update_job_whose_answer_was_lost_is_read_back(sandbox: Any) -> None:
    from reachflow.enums import EntryVendorTaskStatus

    plan = sandbox.faults
    plan.rules.clear()
    api = VendorApi(account(sandbox))
    lost = plan.add("drop_after", service="reach_entryvendortask", action="updateJob", first_n=1)
    task = api.update_job(9103, status=EntryVendorTaskStatus.PROCESSING)
    assert task.status == EntryVendorTaskStatus.PROCESSING and lost.matched == 1
    plan.rules.clear()


def test_a_rejected_app_token_is_permanent_and_the_token_never_shows(sandbox: Any) -> None:
    wrong = "wrong-token-value-that-must-not-leak"
    with pytest.raises(PermanentError) as caught:
        VendorApi(account(sandbox, token=wrong)).get_pending_jobs()
    message = caught.value.message
    assert "app token was rejected" in message
    assert wrong not in message and wrong not in repr(caught.value) and APP_TOKEN not in message


def test_a_fault_during_vendor_sign_in_is_retried_by_the_same_policy(sandbox: Any) -> None:
    from tasks.kaltura import _VendorSession

    plan = sandbox.faults
    plan.rules.clear()
    _VendorSession._cache.clear()  # sign in afresh
    sign_in = plan.add("drop", service="apptoken", action="startSession", first_n=1)
    assert len(VendorApi(account(sandbox)).get_pending_jobs()) >= 1
    assert (sign_in.fired, sign_in.matched) == (1, 2)
    plan.rules.clear()

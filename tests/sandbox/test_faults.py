"""Injected faults, each observed from the client side: HTTP 5xx, slow answers, dropped
connections, Kaltura error codes and sessions that expire early."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from KalturaClient.exceptions import KalturaClientException, KalturaException
from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter

from kaltura_sandbox.faults import FaultPlan
from kaltura_sandbox.testing import RunningSandbox, running_sandbox
from tests.sandbox.reach_fixtures import MEDIA_DIR, SECRETS, VENDOR, client, shared_sandbox, vendor_ks


@pytest.fixture()
def sandbox() -> Iterator[RunningSandbox]:
    sandbox = shared_sandbox()
    sandbox.faults.clear()
    yield sandbox
    sandbox.faults.clear()


def _catalog_item(url: str, ks: str, timeout: float = 10) -> int:
    return client(url, ks, timeout=timeout).reach.vendorCatalogItem.get(201).id


def test_http_5xx(sandbox: RunningSandbox) -> None:
    ks = vendor_ks(sandbox.base_url)
    rule = sandbox.faults.add("http_error", service="reach_vendorcatalogitem", status=502)
    with pytest.raises(KalturaClientException) as caught:
        _catalog_item(sandbox.base_url, ks)
    # nginx's HTML page has no <result>
    assert caught.value.code == KalturaClientException.ERROR_RESULT_NOT_FOUND
    response = requests.post(sandbox.url("/api_v3/service/reach_vendorcatalogitem/action/get"), timeout=5)
    assert response.status_code == 502 and "nginx" in response.text
    assert rule.fired == 2
    # other services are untouched
    assert client(sandbox.base_url, ks).session.get().partnerId == VENDOR


def test_delay_makes_a_short_timeout_fire(sandbox: RunningSandbox) -> None:
    ks = vendor_ks(sandbox.base_url)
    sandbox.faults.add("delay", service="reach_vendorcatalogitem", delay_seconds=1.5, first_n=1)
    started = time.monotonic()
    with pytest.raises(KalturaClientException) as caught:
        _catalog_item(sandbox.base_url, ks, timeout=0.5)
    assert caught.value.code == KalturaClientException.ERROR_CONNECTION_FAILED
    assert isinstance(caught.value.message, requests.exceptions.ReadTimeout)
    assert time.monotonic() - started < 1.4
    # the next call is not delayed
    assert _catalog_item(sandbox.base_url, ks, timeout=5) == 201
    # the abandoned call still runs on the server after its delay: let it finish before the next
    # test installs rules it would count against
    time.sleep(max(0.0, 1.7 - (time.monotonic() - started)))


def test_dropped_connection(sandbox: RunningSandbox) -> None:
    ks = vendor_ks(sandbox.base_url)
    sandbox.faults.add("drop", service="reach_*", action="get", first_n=1)
    with pytest.raises(KalturaClientException) as caught:
        _catalog_item(sandbox.base_url, ks)
    assert caught.value.code == KalturaClientException.ERROR_CONNECTION_FAILED
    assert isinstance(caught.value.message, requests.exceptions.ConnectionError)
    assert _catalog_item(sandbox.base_url, ks) == 201
    assert sandbox.faults.fired("drop") == 1


def test_kaltura_error_on_the_first_calls(sandbox: RunningSandbox) -> None:
    ks = vendor_ks(sandbox.base_url)
    rule = sandbox.faults.add("kaltura_error", service="reach_vendorcatalogitem", action="GET", first_n=2)
    codes = []
    for _ in range(3):
        try:
            codes.append(_catalog_item(sandbox.base_url, ks))
        except KalturaException as error:
            codes.append(error.code)
            assert error.message == "Internal server error occurred"
    assert codes == ["INTERNAL_SERVERL_ERROR", "INTERNAL_SERVERL_ERROR", 201]
    assert (rule.matched, rule.fired) == (3, 2)


def test_kaltura_error_every_nth_call_with_a_chosen_code(sandbox: RunningSandbox) -> None:
    ks = vendor_ks(sandbox.base_url)
    sandbox.faults.add("kaltura_error", service="reach_vendorcatalogitem", every_nth=3, code="SERVICE_FORBIDDEN",
                       message="The access to service [reach_vendorcatalogitem->get] is forbidden")
    outcome = []
    for _ in range(6):
        try:
            _catalog_item(sandbox.base_url, ks)
            outcome.append("ok")
        except KalturaException as error:
            outcome.append(error.code)
    assert outcome == ["ok", "ok", "SERVICE_FORBIDDEN", "ok", "ok", "SERVICE_FORBIDDEN"]


def test_kaltura_error_inside_a_multirequest(sandbox: RunningSandbox) -> None:
    sandbox.faults.add("kaltura_error", service="reach_vendorcatalogitem", first_n=1)
    c = client(sandbox.base_url, vendor_ks(sandbox.base_url))
    c.startMultiRequest()
    c.reach.vendorCatalogItem.get(201)
    c.reach.vendorCatalogItem.get(202)
    first, second = c.doMultiRequest()
    assert isinstance(first, KalturaException) and first.code == "INTERNAL_SERVERL_ERROR"
    assert second.id == 202


def test_probability_is_seeded() -> None:
    def pattern(seed: int) -> list[bool]:
        plan = FaultPlan.from_dict({"seed": seed, "rules": [{"kind": "http_error", "probability": 0.5}]})
        return [plan.pick("baseentry", "get") is not None for _ in range(40)]

    assert pattern(7) == pattern(7)
    assert pattern(7) != pattern(8)
    assert 5 < sum(pattern(7)) < 35


def test_sessions_that_expire_early(sandbox: RunningSandbox) -> None:
    sandbox.faults.add("expire_session", service="apptoken", action="startSession", expire_after_seconds=1.0)
    ks = vendor_ks(sandbox.base_url)
    c = client(sandbox.base_url, ks)
    assert c.reach.entryVendorTask.getJobs(KalturaEntryVendorTaskFilter()).totalCount >= 1
    time.sleep(1.2)
    with pytest.raises(KalturaException) as caught:
        c.reach.entryVendorTask.getJobs(KalturaEntryVendorTaskFilter())
    assert (caught.value.code, caught.value.message) == ("INVALID_KS",
                                                         'Invalid KS "EXPIRED", Error "-1,INVALID_STR"')
    # the widget session issued on the way was not an appToken session: still valid
    sandbox.faults.clear()
    assert client(sandbox.base_url, vendor_ks(sandbox.base_url)).session.get().partnerId == VENDOR


def test_plans_from_yaml_and_from_a_scenario(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text("seed: 3\nrules:\n  - {service: session, action: start, kind: kaltura_error,"
                    " code: START_SESSION_ERROR, first_n: 1}\n")
    plan = FaultPlan.from_file(path)
    assert plan.seed == 3 and plan.rules[0].code == "START_SESSION_ERROR"
    with pytest.raises(ValueError):
        FaultPlan.from_dict({"rules": [{"kind": "meteor"}]})
    with pytest.raises(ValueError):
        FaultPlan.from_dict({"rules": [{"kind": "drop", "probabilty": 0.1}]})
    scenario = {"vendor": {"partner_id": VENDOR, "admin_secret": SECRETS[VENDOR]},
                "faults": {"rules": [{"service": "session", "action": "start", "kind": "kaltura_error",
                                      "code": "START_SESSION_ERROR", "first_n": 1}]}}
    with running_sandbox(scenario, media_dir=MEDIA_DIR) as sandbox:
        c = client(sandbox.base_url)
        with pytest.raises(KalturaException) as caught:
            c.session.start(SECRETS[VENDOR], "", 2, VENDOR)
        assert caught.value.code == "START_SESSION_ERROR"
        assert c.session.start(SECRETS[VENDOR], "", 2, VENDOR).startswith("djJ8")


def test_drop_after_the_work_is_done(sandbox: RunningSandbox) -> None:
    from KalturaClient.Plugins.Reach import KalturaEntryVendorTask

    ks = vendor_ks(sandbox.base_url)
    sandbox.faults.add("drop_after", service="reach_entryvendortask", action="updateJob", first_n=1)
    c = client(sandbox.base_url, ks)
    with pytest.raises(KalturaClientException) as caught:
        c.reach.entryVendorTask.updateJob(3301, KalturaEntryVendorTask(notes="written"))
    assert isinstance(caught.value.message, requests.exceptions.ConnectionError)
    # the client could not tell, but the write happened
    f = KalturaEntryVendorTaskFilter()
    f.idEqual = 3301
    assert c.reach.entryVendorTask.list(f).objects[0].notes == "written"

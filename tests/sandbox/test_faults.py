"""Injected faults, each observed from the official client's side, and the rule counters
(first_n, every_nth, seeded probability) that make them deterministic."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from KalturaClient.exceptions import KalturaClientException, KalturaException
from KalturaClient.Plugins.Caption import KalturaCaptionAsset, KalturaCaptionAssetFilter

from kaltura_sandbox.faults import FaultPlan
from kaltura_sandbox.testing import RunningSandbox, running_sandbox
from tests.sandbox.conftest import CUSTOMER, SECRETS, VENDOR, Kit


@pytest.fixture(autouse=True)
def _no_faults_left(sandbox: RunningSandbox) -> Iterator[None]:
    sandbox.faults.clear()
    yield
    sandbox.faults.clear()


def _outcomes(call, count: int) -> list[bool]:  # type: ignore[no-untyped-def]
    """For ``count`` calls: True where the call failed with the injected Kaltura error."""
    seen = []
    for _ in range(count):
        try:
            call()
            seen.append(False)
        except KalturaException as error:
            assert error.code == "INTERNAL_SERVERL_ERROR"
            seen.append(True)
    return seen


def test_http_error_is_a_missing_result_node(kit: Kit, sandbox: RunningSandbox) -> None:
    client = kit.vendor()
    rule = sandbox.faults.add("http_error", service="reach_vendorcatalogitem", action="get", status=503)
    with pytest.raises(KalturaClientException) as caught:
        client.reach.vendorCatalogItem.get(601)
    # nginx's 503 HTML page parses (lxml recovers) but has no <result>
    assert caught.value.code == KalturaClientException.ERROR_RESULT_NOT_FOUND == -8
    assert caught.value.message == "Could not find result node in response xml"
    raw = requests.post(f"{kit.url}/api_v3/service/reach_vendorcatalogitem/action/get", json={}, timeout=5)
    assert raw.status_code == 503 and raw.headers["content-type"].startswith("text/html")
    assert "503 Service Temporarily Unavailable" in raw.text
    assert rule.fired == 2
    # other actions are untouched
    assert client.reach.vendorCatalogItem.list().totalCount >= 3


def test_delay_beyond_the_client_timeout(kit: Kit, sandbox: RunningSandbox) -> None:
    client = kit.client(kit.vendor_ks(), timeout=0.4)
    sandbox.faults.add("delay", service="system", action="ping", delay_seconds=1.0, first_n=1)
    started = time.monotonic()
    with pytest.raises(KalturaClientException) as caught:
        client.system.ping()
    assert caught.value.code == KalturaClientException.ERROR_CONNECTION_FAILED
    assert isinstance(caught.value.message, requests.exceptions.ReadTimeout)
    assert time.monotonic() - started < 0.9
    assert client.system.ping() is True  # only the first call was delayed
    time.sleep(max(0.0, 1.1 - (time.monotonic() - started)))  # let the abandoned call finish


def test_dropped_connection(kit: Kit, sandbox: RunningSandbox) -> None:
    client = kit.vendor()
    sandbox.faults.add("drop", service="reach_entryvendortask", action="getJobs", first_n=1)
    with pytest.raises(KalturaClientException) as caught:
        client.reach.entryVendorTask.getJobs()
    assert caught.value.code == KalturaClientException.ERROR_CONNECTION_FAILED
    assert isinstance(caught.value.message, requests.exceptions.ConnectionError)
    assert client.reach.entryVendorTask.getJobs().totalCount > 0
    assert sandbox.faults.fired("drop") == 1


def test_drop_after_the_work_is_done(kit: Kit, sandbox: RunningSandbox) -> None:
    client = kit.with_key(8001)
    sandbox.faults.add("drop_after", service="caption_captionasset", action="add", first_n=1)
    with pytest.raises(KalturaClientException) as caught:
        client.caption.captionAsset.add("0_rfent001", KalturaCaptionAsset(language="English", label="lost answer"))
    assert caught.value.code == KalturaClientException.ERROR_CONNECTION_FAILED
    f = KalturaCaptionAssetFilter()
    f.entryIdEqual = "0_rfent001"
    labels = [c.label for c in client.caption.captionAsset.list(f).objects]
    assert labels.count("lost answer") == 1  # the asset exists although the client never heard back


def test_kaltura_error_with_a_chosen_code(kit: Kit, sandbox: RunningSandbox) -> None:
    client = kit.vendor()
    sandbox.faults.add(
        "kaltura_error",
        service="reach_entryvendortask",
        action="updateJob",
        code="ENTRY_VENDOR_TASK_ITEM_COULD_NOT_BE_UPDATED",
        message="database is down",
        first_n=1,
    )
    from KalturaClient.Plugins.Reach import KalturaEntryVendorTask

    with pytest.raises(KalturaException) as caught:
        client.reach.entryVendorTask.updateJob(8001, KalturaEntryVendorTask(notes="x"))
    assert caught.value.code == "ENTRY_VENDOR_TASK_ITEM_COULD_NOT_BE_UPDATED"
    assert caught.value.message == "database is down"
    sandbox.faults.add("kaltura_error", service="system", action="ping", code="SERVICE_FORBIDDEN", first_n=1)
    with pytest.raises(KalturaException) as caught:
        client.system.ping()
    assert caught.value.code == "SERVICE_FORBIDDEN"
    assert caught.value.message.startswith("The access to service")
    assert client.system.ping() is True


def test_kaltura_error_inside_a_multirequest_hits_only_its_call(kit: Kit, sandbox: RunningSandbox) -> None:
    client = kit.vendor()
    sandbox.faults.add("kaltura_error", service="reach_vendorcatalogitem", action="get", first_n=1)
    client.startMultiRequest()
    client.reach.vendorCatalogItem.get(601)
    client.reach.vendorCatalogItem.get(602)
    first, second = client.doMultiRequest()
    assert isinstance(first, KalturaException) and first.code == "INTERNAL_SERVERL_ERROR"
    assert second.id == 602


def test_expire_session(kit: Kit, sandbox: RunningSandbox) -> None:
    sandbox.faults.add("expire_session", service="apptoken", action="startSession", expire_after_seconds=4.0, first_n=1)
    started = time.monotonic()
    doomed = kit.vendor_ks()
    healthy = kit.vendor_ks()  # the rule fired once only
    client = kit.client(doomed)
    assert client.reach.entryVendorTask.getJobs().totalCount > 0
    assert client.session.get().expiry > time.time() + 3600  # the KS itself claims a long life
    assert time.monotonic() - started < 4.0, "the machine is too slow for this 4-second window"
    while True:  # the doomed KS dies 4 s after it was issued
        try:
            client.reach.entryVendorTask.getJobs()
        except KalturaException as error:
            assert (error.code, error.message) == ("INVALID_KS", 'Invalid KS "EXPIRED", Error "-1,INVALID_STR"')
            break
        assert time.monotonic() - started < 10, "the KS never expired"
        time.sleep(0.2)
    assert kit.client(healthy).reach.entryVendorTask.getJobs().totalCount > 0


def test_expire_session_on_session_start(kit: Kit, sandbox: RunningSandbox) -> None:
    sandbox.faults.add("expire_session", service="session", action="start", expire_after_seconds=0.5)
    ks = kit.admin_ks(CUSTOMER)
    assert kit.client(ks).baseEntry.get("0_rfent001").id == "0_rfent001"
    time.sleep(0.6)
    with pytest.raises(KalturaException) as caught:
        kit.client(ks).baseEntry.get("0_rfent001")
    assert caught.value.code == "INVALID_KS"


def test_first_n_and_every_nth_are_counted_per_rule(kit: Kit, sandbox: RunningSandbox) -> None:
    client = kit.client()
    rule = sandbox.faults.add("kaltura_error", service="system", action="ping", first_n=2)
    assert _outcomes(client.system.ping, 5) == [True, True, False, False, False]
    assert (rule.matched, rule.fired) == (5, 2)
    sandbox.faults.clear()
    rule = sandbox.faults.add("kaltura_error", service="system", action="ping", every_nth=3)
    assert _outcomes(client.system.ping, 7) == [False, False, True, False, False, True, False]
    assert rule.fired == 2
    sandbox.faults.clear()
    # both: every 2nd call among the first 5
    sandbox.faults.add("kaltura_error", service="system", action="ping", first_n=5, every_nth=2)
    assert _outcomes(client.system.ping, 8) == [False, True, False, True, False, False, False, False]
    sandbox.faults.clear()
    # globs are case-insensitive and do not match other services
    sandbox.faults.add("kaltura_error", service="SYS*", action="P?NG")
    assert _outcomes(client.system.ping, 2) == [True, True]
    assert kit.client().session.startWidgetSession(f"_{VENDOR}").partnerId == VENDOR


def test_seeded_probability_repeats(kit: Kit, sandbox: RunningSandbox) -> None:
    client = kit.client()
    patterns = []
    for _ in range(2):
        sandbox.faults.clear()  # resets the plan's seeded generator
        sandbox.faults.add("kaltura_error", service="system", action="ping", probability=0.5)
        patterns.append(_outcomes(client.system.ping, 16))
    assert patterns[0] == patterns[1]
    assert 0 < sum(patterns[0]) < 16
    # another plan with the same seed draws the same pattern; probability 0 never fires
    other = FaultPlan(seed=sandbox.faults.seed)
    rule = other.add("kaltura_error", service="system", action="ping", probability=0.5)
    assert [other.pick("system", "ping") is rule for _ in range(16)] == patterns[0]
    zero = FaultPlan(seed=1)
    zero.add("kaltura_error", probability=0.0)
    assert all(zero.pick("system", "ping") is None for _ in range(50))


def test_invalid_rules_are_refused() -> None:
    with pytest.raises(ValueError):
        FaultPlan().add("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        FaultPlan().add("delay", probability=1.5)
    with pytest.raises(ValueError):
        FaultPlan.from_dict({"rules": [{"kind": "drop", "sevice": "x"}]})


def test_plans_from_yaml_and_from_a_scenario(tmp_path: Path, media_cache: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text(
        "seed: 3\nrules:\n  - {service: session, action: start, kind: kaltura_error,"
        " code: START_SESSION_ERROR, first_n: 1}\n"
    )
    plan = FaultPlan.from_file(path)
    assert plan.seed == 3 and plan.rules[0].code == "START_SESSION_ERROR"
    with pytest.raises(ValueError):
        FaultPlan.from_dict({"rules": [{"kind": "meteor"}]})
    with pytest.raises(ValueError):
        FaultPlan.from_dict({"rules": [{"kind": "drop", "probabilty": 0.1}]})
    scenario = {
        "vendor": {"partner_id": VENDOR, "admin_secret": SECRETS[VENDOR]},
        "faults": {
            "rules": [
                {
                    "service": "session",
                    "action": "start",
                    "kind": "kaltura_error",
                    "code": "START_SESSION_ERROR",
                    "first_n": 1,
                }
            ]
        },
    }
    with running_sandbox(scenario, media_dir=media_cache) as sandbox:
        c = Kit(sandbox).client()
        with pytest.raises(KalturaException) as caught:
            c.session.start(SECRETS[VENDOR], "", 2, VENDOR)
        assert caught.value.code == "START_SESSION_ERROR"
        assert c.session.start(SECRETS[VENDOR], "", 2, VENDOR).startswith("djJ8")

"""api_v3 wire protocol: URL shapes, parameter sources, envelopes (XML and JSON), API errors and
multirequests. Raw HTTP only where the URL or the wire itself is the subject; the rest goes
through the official client."""

from __future__ import annotations

import json

import httpx
import pytest
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter, KalturaVendorCatalogItemFilter
from lxml import etree

from tests.sandbox.conftest import CUSTOMER, SECRETS, VENDOR, Kit


def _result(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    assert root.tag == "xml"
    result = root.find("result")
    assert result is not None
    return result


def _error_code(response: httpx.Response) -> str | None:
    return _result(response).findtext("error/code")


def test_system_ping_through_the_client_and_raw(kit: Kit) -> None:
    assert kit.client().system.ping() is True
    assert _result(httpx.get(f"{kit.url}/api_v3/service/system/action/ping")).text == "1"


@pytest.mark.parametrize("path", [
    "/api_v3/service/session/action/start",
    "/api_v3/index.php/service/session/action/start",
    "//api_v3/service/session/action/start",
    "/api_v3/service/SESSION/action/START",
    "/api_v3/service/Session/action/Start",
])
def test_url_shapes_reach_the_same_action(kit: Kit, path: str) -> None:
    body = {"secret": SECRETS[CUSTOMER], "partnerId": str(CUSTOMER), "type": "2", "format": "2"}
    ks = _result(httpx.post(kit.url + path, json=body)).text
    assert ks and kit.client(ks).session.get().partnerId == CUSTOMER


def test_parameters_from_path_pairs_query_string_and_form(kit: Kit) -> None:
    secret, pid = SECRETS[CUSTOMER], CUSTOMER
    via_path = httpx.get(f"{kit.url}/api_v3/service/session/action/start/secret/{secret}/partnerId/{pid}/type/2")
    via_query = httpx.get(f"{kit.url}/api_v3/service/session/action/start",
                          params={"secret": secret, "partnerId": pid, "type": 2})
    via_form = httpx.post(f"{kit.url}/api_v3/service/session/action/start",
                          data={"secret": secret, "partnerId": str(pid), "type": "2"})
    via_service_in_query = httpx.get(f"{kit.url}/api_v3/index.php",
                                     params={"service": "session", "action": "start", "secret": secret,
                                             "partnerId": pid, "type": 2})
    for response in (via_path, via_query, via_form, via_service_in_query):
        ks = _result(response).text
        info = kit.client(ks).session.get()
        assert info.partnerId == pid and info.sessionType.getValue() == 2


def test_path_parameters_win_over_the_body(kit: Kit) -> None:
    response = httpx.post(f"{kit.url}/api_v3/service/session/action/start/partnerId/{CUSTOMER}",
                          json={"secret": SECRETS[CUSTOMER], "partnerId": str(VENDOR), "type": "2"})
    assert kit.client(_result(response).text).session.get().partnerId == CUSTOMER


def test_form_encoded_nested_objects(kit: Kit) -> None:
    ks = kit.vendor_ks()
    response = httpx.post(f"{kit.url}/api_v3/service/reach_vendorcatalogitem/action/list",
                          data={"ks": ks, "filter[objectType]": "KalturaVendorCatalogItemFilter",
                                "filter[idEqual]": "602"})
    result = _result(response)
    assert result.findtext("totalCount") == "1"
    assert result.findtext("objects/item/id") == "602"
    assert result.findtext("objects/item/objectType") == "KalturaVendorCaptionsCatalogItem"


def test_json_format_envelope_and_error(kit: Kit) -> None:
    ks = kit.vendor_ks()
    body = {"format": "1", "ks": ks, "filter": {"objectType": "KalturaVendorCatalogItemFilter", "idEqual": "603"}}
    response = httpx.post(f"{kit.url}/api_v3/service/reach_vendorcatalogitem/action/list", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert data["objectType"] == "KalturaVendorCatalogItemListResponse"
    item = data["objects"][0]
    assert item["objectType"] == "KalturaVendorTranslationCatalogItem"
    assert item["targetLanguage"] == "Spanish"
    assert all(value is not None for value in item.values())  # nulls are omitted in JSON
    error = httpx.post(f"{kit.url}/api_v3/service/reach_vendorcatalogitem/action/get",
                       json={"format": "1", "ks": ks, "id": "999"}).json()
    assert error["objectType"] == "KalturaAPIException"
    assert error["code"] == "CATALOG_ITEM_NOT_FOUND"
    assert error["message"] == "Catalog item with id provided not found [999]"
    assert error["args"] == {"ID": "999"}
    ping = httpx.get(f"{kit.url}/api_v3/service/system/action/ping?format=1")
    assert json.loads(ping.content) is True


def test_xml_error_envelope_carries_code_message_and_args(kit: Kit) -> None:
    ks = kit.vendor_ks()
    response = httpx.post(f"{kit.url}/api_v3/service/reach_vendorcatalogitem/action/get",
                          json={"ks": ks, "id": "999", "format": "2"})
    error = _result(response).find("error")
    assert error.findtext("code") == "CATALOG_ITEM_NOT_FOUND"
    assert error.findtext("objectType") == "KalturaAPIException"
    assert error.findtext("args/item/name") == "ID" and error.findtext("args/item/value") == "999"
    with pytest.raises(KalturaException) as caught:
        kit.client(ks).reach.vendorCatalogItem.get(999)
    assert caught.value.code == "CATALOG_ITEM_NOT_FOUND"
    assert caught.value.message == "Catalog item with id provided not found [999]"


def test_unknown_service_and_action(kit: Kit) -> None:
    nope = _result(httpx.post(f"{kit.url}/api_v3/service/nosuchservice/action/list", json={}))
    assert nope.findtext("error/code") == "SERVICE_DOES_NOT_EXISTS"
    assert nope.findtext("error/message") == 'Service "nosuchservice" does not exists'
    bad = _result(httpx.post(f"{kit.url}/api_v3/service/system/action/nosuchaction", json={}))
    assert bad.findtext("error/code") == "ACTION_DOES_NOT_EXISTS"
    assert "nosuchaction" in bad.findtext("error/message")


def test_missing_ks_and_missing_mandatory_parameter(kit: Kit) -> None:
    with pytest.raises(KalturaException) as caught:
        kit.client().reach.entryVendorTask.getJobs()
    assert caught.value.code == "MISSING_KS"
    assert caught.value.message == "Missing KS, session not established"
    response = httpx.post(f"{kit.url}/api_v3/service/reach_entryvendortask/action/get",
                          json={"ks": kit.vendor_ks()})
    result = _result(response)
    assert result.findtext("error/code") == "MISSING_MANDATORY_PARAMETER"
    assert result.findtext("error/message") == 'Missing parameter "id"'


def test_multirequest_with_references_and_a_failing_item(kit: Kit) -> None:
    client = kit.client(kit.vendor_ks())
    client.startMultiRequest()
    f = KalturaVendorCatalogItemFilter()
    f.idEqual = 601
    client.reach.vendorCatalogItem.list(f)
    client.reach.vendorCatalogItem.get("{1:result:objects:0:id}")
    client.reach.vendorCatalogItem.get(424242)
    client.system.ping()
    results = client.doMultiRequest()
    assert len(results) == 4
    assert results[0].totalCount == 1
    assert results[1].id == 601 and type(results[1]).__name__ == "KalturaVendorCaptionsCatalogItem"
    assert isinstance(results[2], KalturaException) and results[2].code == "CATALOG_ITEM_NOT_FOUND"
    assert results[3] == "1"  # the client returns primitive multirequest results as text


def test_multirequest_reference_to_a_session(kit: Kit) -> None:
    """The first call's KS feeds the next calls through ``ks={1:result}``, as vendor SDKs chain it."""
    client = kit.client()
    client.startMultiRequest()
    client.session.start(SECRETS[CUSTOMER], "admin", 2, CUSTOMER)
    client.setKs("{1:result}")
    client.baseEntry.get("0_rfent001")
    client.session.get()
    start, entry, info = client.doMultiRequest()
    assert isinstance(start, str) and start.startswith("djJ8")
    assert entry.id == "0_rfent001" and entry.name == "Lecture one"
    assert info.partnerId == CUSTOMER and info.ks == start


def test_raw_multirequest_shape(kit: Kit) -> None:
    ks = kit.vendor_ks()
    body = {"format": "2", "ks": ks,
            "1": {"service": "system", "action": "ping"},
            "2": {"service": "reach_entryvendortask", "action": "getJobs",
                  "filter": {"objectType": "KalturaEntryVendorTaskFilter", "idEqual": "8001"}},
            "3": {"service": "nosuch", "action": "x"}}
    result = _result(httpx.post(f"{kit.url}/api_v3/service/multirequest", json=body))
    items = result.findall("item")
    assert len(items) == 3
    assert items[0].text == "1"
    assert items[1].findtext("objects/item/id") == "8001"
    assert items[2].findtext("error/code") == "SERVICE_DOES_NOT_EXISTS"


def test_client_body_is_json_with_string_scalars(kit: Kit) -> None:
    """Bool/int params sent as the client sends them ("True", "1") are read correctly."""
    client = kit.client(kit.vendor_ks())
    f = KalturaEntryVendorTaskFilter()
    f.idIn = "8001,8002"
    tasks = client.reach.entryVendorTask.getJobs(f).objects
    assert sorted(t.id for t in tasks) == [8001, 8002]

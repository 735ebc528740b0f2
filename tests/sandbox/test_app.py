"""app.py: the api_v3 front (reach-spec §1): URL shapes and parameter sources, the XML and JSON
envelopes, API errors, dispatch, relative times and multirequests. The official client where it
can say it; raw HTTP where the URL or the wire itself is the subject."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import httpx
import pytest
from KalturaClient.Base import KalturaParams
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import KalturaSessionType, KalturaUploadToken
from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter, KalturaVendorCatalogItemFilter
from lxml import etree

from kaltura_sandbox.app import _normalise, unflatten
from kaltura_sandbox.framework import action
from tests.sandbox.conftest import CUSTOMER, SECRETS, VENDOR, Kit


@action("sandboxtest", "boom", needs_ks=False)
def _boom(ctx: Any) -> None:
    """A broken action: the sandbox must answer Kaltura's generic error, not a 500."""
    raise RuntimeError("bug")


def _result(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    assert root.tag == "xml"
    result = root.find("result")
    assert result is not None
    return result


def _raw_call(kit: Kit, service: str, action_name: str, ks: str | None = None) -> KalturaException:
    c = kit.client(ks)
    c.queueServiceActionCall(service, action_name, None, KalturaParams())
    with pytest.raises(KalturaException) as caught:
        c.doQueue()
    return caught.value


# ------------------------------------------------------------------------------------------------
# URLs and parameter sources


def test_system_ping_through_the_client_and_raw(kit: Kit) -> None:
    assert kit.client().system.ping() is True
    assert _result(httpx.get(f"{kit.url}/api_v3/service/system/action/ping")).text == "1"


@pytest.mark.parametrize(
    "path",
    [
        "/api_v3/service/session/action/start",
        "/api_v3/index.php/service/session/action/start",
        "//api_v3/service/session/action/start",
        "/api_v3/service/SESSION/action/START",
        "/api_v3/service/Session/action/Start",
    ],
)
def test_url_shapes_reach_the_same_action(kit: Kit, path: str) -> None:
    body = {"secret": SECRETS[CUSTOMER], "partnerId": str(CUSTOMER), "type": "2", "format": "2"}
    ks = _result(httpx.post(kit.url + path, json=body)).text
    assert ks and kit.client(ks).session.get().partnerId == CUSTOMER


def test_parameters_from_path_pairs_query_string_and_form(kit: Kit) -> None:
    secret, pid = SECRETS[CUSTOMER], CUSTOMER
    via_path = httpx.get(f"{kit.url}/api_v3/service/session/action/start/secret/{secret}/partnerId/{pid}/type/2")
    via_query = httpx.get(
        f"{kit.url}/api_v3/service/session/action/start", params={"secret": secret, "partnerId": pid, "type": 2}
    )
    via_form = httpx.post(
        f"{kit.url}/api_v3/service/session/action/start", data={"secret": secret, "partnerId": str(pid), "type": "2"}
    )
    via_service_in_query = httpx.get(
        f"{kit.url}/api_v3/index.php",
        params={"service": "session", "action": "start", "secret": secret, "partnerId": pid, "type": 2},
    )
    for response in (via_path, via_query, via_form, via_service_in_query):
        ks = _result(response).text
        info = kit.client(ks).session.get()
        assert info.partnerId == pid and info.sessionType.getValue() == 2


def test_path_parameters_win_over_the_body(kit: Kit) -> None:
    response = httpx.post(
        f"{kit.url}/api_v3/service/session/action/start/partnerId/{CUSTOMER}",
        json={"secret": SECRETS[CUSTOMER], "partnerId": str(VENDOR), "type": "2"},
    )
    assert kit.client(_result(response).text).session.get().partnerId == CUSTOMER


def test_get_and_post_with_the_service_in_the_query(kit: Kit) -> None:
    for path in (
        f"/api_v3/?service=session&action=startWidgetSession&widgetId=_{VENDOR}",
        f"/api_v3/service/SESSION/action/STARTWIDGETSESSION?widgetId=_{VENDOR}",
    ):
        for method in ("GET", "POST"):
            result = _result(httpx.request(method, kit.url + path))
            assert result.findtext("objectType") == "KalturaStartWidgetSessionResponse", (method, path)
            assert result.findtext("partnerId") == str(VENDOR)


def test_a_trailing_slash_in_the_service_url(kit: Kit) -> None:
    # the client posts to //api_v3/... then
    config_url = kit.url + "/"
    ks = kit.client().session.start(SECRETS[VENDOR], "", KalturaSessionType.ADMIN, VENDOR)
    kit.url = config_url
    try:
        assert kit.client(ks).session.get().partnerId == VENDOR
    finally:
        kit.url = config_url.rstrip("/")


def test_form_encoded_nested_objects(kit: Kit) -> None:
    ks = kit.vendor_ks()
    response = httpx.post(
        f"{kit.url}/api_v3/service/reach_vendorcatalogitem/action/list",
        data={"ks": ks, "filter[objectType]": "KalturaVendorCatalogItemFilter", "filter[idEqual]": "602"},
    )
    result = _result(response)
    assert result.findtext("totalCount") == "1"
    assert result.findtext("objects/item/id") == "602"
    assert result.findtext("objects/item/objectType") == "KalturaVendorCaptionsCatalogItem"


def test_nested_form_fields_in_the_query_string(kit: Kit) -> None:
    form = {
        "ks": kit.vendor_ks(),
        "filter[objectType]": "KalturaEntryVendorTaskFilter",
        "filter[entryIdEqual]": "0_rfent003",
        "filter[catalogItemIdEqual]": "602",
        "pager[pageSize]": "5",
    }
    result = _result(httpx.get(f"{kit.url}/api_v3/service/reach_entryvendortask/action/getJobs", params=form))
    assert [e.text for e in result.findall("objects/item/id")] == ["8002"]


def test_multipart_json_field(kit: Kit) -> None:
    fields = {"json": json.dumps({"secret": SECRETS[VENDOR], "partnerId": str(VENDOR), "type": "2", "format": "2"})}
    response = httpx.post(
        f"{kit.url}/api_v3/service/session/action/start",
        data=fields,
        files={"fileData": ("x.srt", b"1\n", "text/plain")},
    )
    ks = _result(response).text
    assert ks and ks.startswith("djJ8")


def test_null_and_empty_array_conventions() -> None:
    decoded = _normalise(
        {
            "task": {"objectType": "KalturaEntryVendorTask", "notes__null": "", "unitsUsedArray": {"-": ""}},
            "list": {
                "0": {"objectType": "KalturaString", "value": "a"},
                "1": {"objectType": "KalturaString", "value": "b"},
            },
        }
    )
    assert decoded["task"] == {"objectType": "KalturaEntryVendorTask", "notes": None, "unitsUsedArray": []}
    assert [v["value"] for v in decoded["list"]] == ["a", "b"]
    assert unflatten({"a[b][c]": "1", "0:service": "x"}) == {"a": {"b": {"c": "1"}}, "0": {"service": "x"}}


# ------------------------------------------------------------------------------------------------
# Envelopes


def test_xml_envelope_objects_arrays_maps_nulls_and_bools(kit: Kit) -> None:
    key = kit.access_key(8006)
    body = {
        "id": "8006",
        "ks": key,
        "responseProfile": {"objectType": "KalturaResponseProfileHolder", "systemName": "reach_vendor"},
    }
    response = httpx.post(f"{kit.url}/api_v3/service/reach_entryvendortask/action/get", json=body)
    text = response.text
    assert text.startswith(
        '<?xml version="1.0" encoding="utf-8"?><xml><result><objectType>KalturaEntryVendorTask'
        "</objectType><id>8006</id>"
    )
    root = etree.fromstring(response.content)
    assert float(root.findtext("executionTime")) >= 0
    result = _result(response)
    assert result.findtext("taskJobData/objectType") == "KalturaTranslationVendorTaskData"
    assert result.find("price").text is None and "<price></price>" in text  # null: empty element
    related = result.findall("relatedObjects/item")
    assert [item.findtext("itemKey") for item in related] == ["reach_vendor_catalog_item", "reach_vendor_profile"]
    assert related[0].findtext("objectType") == "KalturaVendorCatalogItemListResponse"
    item = related[0].find("objects/item")
    assert item.findtext("objectType") == "KalturaVendorTranslationCatalogItem"
    assert item.findtext("requireSource") == "1" and item.findtext("allowResubmission") == "0"
    # private keys (ground truth, secrets) never leave the sandbox
    assert "_access_key_seconds" not in text and "_output_moderated" not in text and "_content" not in text


def test_xml_text_is_escaped_and_ignore_null(kit: Kit) -> None:
    task_id = kit.new_task(notes="Names: <Ann & Bob>")
    key = kit.access_key(task_id)
    assert kit.client(key).reach.entryVendorTask.get(task_id).notes == "Names: <Ann & Bob>"
    raw = httpx.post(f"{kit.url}/api_v3/service/reach_entryvendortask/action/get", json={"id": task_id, "ks": key}).text
    assert "<notes>Names: &lt;Ann &amp; Bob&gt;</notes>" in raw and "<finishTime></finishTime>" in raw
    raw = httpx.post(
        f"{kit.url}/api_v3/service/reach_entryvendortask/action/get", json={"id": task_id, "ks": key, "ignoreNull": "1"}
    ).text
    assert "<finishTime>" not in raw and f"<id>{task_id}</id>" in raw
    # setSerializerByFormat: only "1" or a JSON true ignore nulls (the PHP client sends true); "true" does not
    url = f"{kit.url}/api_v3/service/reach_entryvendortask/action/get"
    assert "<finishTime>" not in httpx.post(url, json={"id": task_id, "ks": key, "ignoreNull": True}).text
    assert "<finishTime></finishTime>" in httpx.post(url, json={"id": task_id, "ks": key, "ignoreNull": "true"}).text


def test_error_envelope(kit: Kit) -> None:
    response = httpx.post(
        f"{kit.url}/api_v3/service/reach_entryvendortask/action/updateJob",
        json={
            "id": "56",
            "ks": kit.vendor_ks(),
            "entryVendorTask": {"objectType": "KalturaEntryVendorTask", "status": "3"},
        },
    )
    assert response.text.split("<executionTime>")[0] == (
        '<?xml version="1.0" encoding="utf-8"?><xml><result><error><code>ENTRY_VENDOR_TASK_NOT_FOUND</code>'
        "<message>Entry vendor task item with id provided not found [56]</message>"
        "<objectType>KalturaAPIException</objectType><args><item><objectType>KalturaApiExceptionArg"
        "</objectType><name>ID</name><value>56</value></item></args></error></result>"
    )


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
    error = httpx.post(
        f"{kit.url}/api_v3/service/reach_vendorcatalogitem/action/get", json={"format": "1", "ks": ks, "id": "999"}
    ).json()
    assert error["objectType"] == "KalturaAPIException"
    assert error["code"] == "CATALOG_ITEM_NOT_FOUND"
    assert error["message"] == "Catalog item with id provided not found [999]"
    assert error["args"] == {"ID": "999"}
    # nulls are omitted, private keys never written
    task = httpx.post(
        f"{kit.url}/api_v3/service/reach_entryvendortask/action/get",
        json={"format": "1", "id": "8001", "ks": kit.access_key(8001)},
    ).json()
    assert task["objectType"] == "KalturaEntryVendorTask" and "finishTime" not in task
    assert not any(key.startswith("_") for key in task)
    error = httpx.post(
        f"{kit.url}/api_v3/service/reach_entryvendortask/action/get", json={"format": "1", "id": "1", "ks": "junk"}
    ).json()
    assert error == {
        "code": "INVALID_KS",
        "message": 'Invalid KS "junk", Error "-1,INVALID_STR"',
        "objectType": "KalturaAPIException",
        "args": {"KSID": "junk", "ERR_CODE": "-1", "ERR_DESC": "INVALID_STR"},
    }
    ping = httpx.get(f"{kit.url}/api_v3/service/system/action/ping?format=1")
    assert json.loads(ping.content) is True


def test_xml_error_envelope_carries_code_message_and_args(kit: Kit) -> None:
    ks = kit.vendor_ks()
    response = httpx.post(
        f"{kit.url}/api_v3/service/reach_vendorcatalogitem/action/get", json={"ks": ks, "id": "999", "format": "2"}
    )
    error = _result(response).find("error")
    assert error.findtext("code") == "CATALOG_ITEM_NOT_FOUND"
    assert error.findtext("objectType") == "KalturaAPIException"
    assert error.findtext("args/item/name") == "ID" and error.findtext("args/item/value") == "999"
    with pytest.raises(KalturaException) as caught:
        kit.client(ks).reach.vendorCatalogItem.get(999)
    assert caught.value.code == "CATALOG_ITEM_NOT_FOUND"
    assert caught.value.message == "Catalog item with id provided not found [999]"


# ------------------------------------------------------------------------------------------------
# Dispatch


def test_unknown_service_and_action(kit: Kit) -> None:
    error = _raw_call(kit, "nosuchservice", "list")
    assert (error.code, error.message) == ("SERVICE_DOES_NOT_EXISTS", 'Service "nosuchservice" does not exists')
    error = _raw_call(kit, "reach_entryvendortask", "explode")
    assert (error.code, error.message) == (
        "ACTION_DOES_NOT_EXISTS",
        'Action "explode" does not exists for service "reach_entryvendortask"',
    )


def test_missing_ks_and_missing_parameter(kit: Kit) -> None:
    error = _raw_call(kit, "reach_entryvendortask", "getJobs")
    assert (error.code, error.message) == ("MISSING_KS", "Missing KS, session not established")
    error = _raw_call(kit, "reach_entryvendortask", "get", ks=kit.admin_ks())
    assert (error.code, error.message) == ("MISSING_MANDATORY_PARAMETER", 'Missing parameter "id"')


def test_a_sandbox_bug_is_an_internal_server_error(kit: Kit) -> None:
    error = _raw_call(kit, "sandboxtest", "boom")
    assert (error.code, error.message) == ("INTERNAL_SERVERL_ERROR", "Internal server error occurred")


def test_client_body_is_json_with_string_scalars(kit: Kit) -> None:
    """Bool/int params sent as the client sends them ("True", "1") are read correctly."""
    client = kit.client(kit.vendor_ks())
    f = KalturaEntryVendorTaskFilter()
    f.idIn = "8001,8002"
    tasks = client.reach.entryVendorTask.getJobs(f).objects
    assert sorted(t.id for t in tasks) == [8001, 8002]


def test_relative_times_in_filters(kit: Kit) -> None:
    """KalturaRequestDeserializer casts ``@var time`` properties with kTime::getRelativeTime: a
    value within ±10 years counts from now."""
    vendor = kit.vendor()
    everything = "1,2,3,4,5,6,7,8,9"
    recent = vendor.reach.entryVendorTask.list(
        KalturaEntryVendorTaskFilter(statusIn=everything, createdAtGreaterThanOrEqual=-3600)
    ).objects
    ids = {t.id for t in recent}
    assert 8001 in ids and 8004 not in ids  # created 50 minutes ago / two days ago
    older = vendor.reach.entryVendorTask.list(
        KalturaEntryVendorTaskFilter(statusIn=everything, createdAtLessThanOrEqual=-86400)
    ).objects
    assert 8004 in {t.id for t in older} and 8001 not in {t.id for t in older}
    absolute = vendor.reach.entryVendorTask.list(
        KalturaEntryVendorTaskFilter(statusIn=everything, createdAtGreaterThanOrEqual=int(time.time()) - 3600)
    ).objects
    assert {t.id for t in absolute} == ids


# ------------------------------------------------------------------------------------------------
# Multirequest


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


def test_a_reference_to_a_failed_call_fails_too(kit: Kit) -> None:
    c = kit.client(kit.vendor_ks())
    c.startMultiRequest()
    c.reach.entryVendorTask.extendAccessKey(8001)  # PENDING: fails
    c.reach.entryVendorTask.extendAccessKey("{1:result:id}")  # depends on the failed call
    c.system.ping()  # still runs
    failed, dependent, last = c.doMultiRequest()
    assert isinstance(failed, KalturaException) and failed.code == "CANNOT_EXTEND_ACCESS_KEY"
    assert isinstance(dependent, KalturaException) and dependent.code == "CANNOT_EXTEND_ACCESS_KEY"
    assert last == "1"


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
    body = {
        "format": "2",
        "ks": ks,
        "1": {"service": "system", "action": "ping"},
        "2": {
            "service": "reach_entryvendortask",
            "action": "getJobs",
            "filter": {"objectType": "KalturaEntryVendorTaskFilter", "idEqual": "8001"},
        },
        "3": {"service": "nosuch", "action": "x"},
    }
    result = _result(httpx.post(f"{kit.url}/api_v3/service/multirequest", json=body))
    items = result.findall("item")
    assert len(items) == 3
    assert items[0].text == "1"
    assert items[1].findtext("objects/item/id") == "8001"
    assert items[2].findtext("error/code") == "SERVICE_DOES_NOT_EXISTS"
    # JSON: an array of results
    body["format"] = "1"
    results = httpx.post(f"{kit.url}/api_v3/?service=multirequest", json=body).json()
    assert results[0] is True and results[1]["objects"][0]["id"] == "8001"
    assert results[2]["code"] == "SERVICE_DOES_NOT_EXISTS"


def test_all_in_a_multirequest_reference(kit: Kit) -> None:
    """``{1:result:objects:_all:id}`` is every id of a list, comma-terminated (getValuesFromObjectsArray)."""
    ks = kit.vendor_ks()
    body = {
        "format": "1",
        "ks": ks,
        "1": {
            "service": "reach_entryvendortask",
            "action": "list",
            "filter": {"objectType": "KalturaEntryVendorTaskFilter", "idIn": "8001,8002"},
        },
        "2": {
            "service": "reach_entryvendortask",
            "action": "list",
            "filter": {"objectType": "KalturaEntryVendorTaskFilter", "idIn": "{1:result:objects:_all:id}"},
        },
        "3": {"service": "system", "action": "ping", "note": "{1:result:objects:_all:entryId}"},
    }
    first, second, third = httpx.post(kit.sandbox.url("/api_v3/service/multirequest"), json=body).json()
    assert [t["id"] for t in first["objects"]] == ["8001", "8002"]
    assert [t["id"] for t in second["objects"]] == ["8001", "8002"]
    assert third is True


def test_a_file_inside_a_multirequest(kit: Kit) -> None:
    data = io.BytesIO(b"1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    data.name = "c.srt"  # without a name the part is a plain form field, not a file (as in PHP)
    c = kit.with_key(8001)
    c.startMultiRequest()
    c.uploadToken.add(KalturaUploadToken(fileName="c.srt"))
    c.uploadToken.upload("{1:result:id}", data, False, True, -1)  # the file part is "1:fileData"
    token, uploaded = c.doMultiRequest()
    assert token.status.getValue() == 0  # PENDING when added
    assert uploaded.id == token.id and uploaded.status.getValue() == 2  # FULL_UPLOAD
    assert uploaded.uploadedFileSize == len(data.getvalue())

"""The api_v3 wire protocol (reach-spec §1): URLs, parameter decoding, the XML and JSON envelopes,
errors and multirequests. The official client where it can say it; raw HTTP for wire details."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from KalturaClient.Base import KalturaParams
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import KalturaSessionType
from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter, KalturaEntryVendorTaskStatus
from lxml import etree

from kaltura_sandbox.app import _normalise, unflatten
from kaltura_sandbox.framework import action
from tests.sandbox.reach_fixtures import CUSTOMER_A, SECRETS, VENDOR, access_key, admin_ks, client, shared_sandbox, vendor_ks


@action("sandboxtest", "boom", needs_ks=False)
def _boom(ctx: Any) -> None:
    """A broken action: the sandbox must answer Kaltura's generic error, not a 500."""
    raise RuntimeError("bug")


@pytest.fixture(scope="module")
def url() -> str:
    return shared_sandbox().base_url


def _xml(response: requests.Response) -> etree._Element:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    return etree.fromstring(response.content)


# ------------------------------------------------------------------------------------------------
# URLs and parameter sources


def test_path_pairs_query_string_and_index_php(url: str) -> None:
    for path in (f"/api_v3/service/session/action/startWidgetSession/widgetId/_{VENDOR}",
                 f"/api_v3/index.php/service/session/action/startWidgetSession/widgetId/_{VENDOR}",
                 f"/api_v3/?service=session&action=startWidgetSession&widgetId=_{VENDOR}",
                 f"/api_v3/service/SESSION/action/STARTWIDGETSESSION?widgetId=_{VENDOR}"):
        for method in ("GET", "POST"):
            root = _xml(requests.request(method, url + path, timeout=5))
            assert root.findtext("result/objectType") == "KalturaStartWidgetSessionResponse", (method, path)
            assert root.findtext("result/partnerId") == str(VENDOR)


def test_path_params_win_over_the_body(url: str) -> None:
    response = requests.post(f"{url}/api_v3/service/session/action/startWidgetSession/widgetId/_{VENDOR}",
                             json={"widgetId": "_424242"}, timeout=5)
    assert _xml(response).findtext("result/partnerId") == str(VENDOR)


def test_a_trailing_slash_in_the_service_url(url: str) -> None:
    # the client posts to //api_v3/... then
    ks = client(url + "/").session.start(SECRETS[VENDOR], "", KalturaSessionType.ADMIN, VENDOR)
    assert client(url + "/", ks).session.get().partnerId == VENDOR


def test_form_fields_with_nested_notation(url: str) -> None:
    ks = vendor_ks(url)
    form = {"ks": ks, "filter[objectType]": "KalturaEntryVendorTaskFilter", "filter[entryIdEqual]": "0_a2",
            "filter[catalogItemIdEqual]": "201", "pager[pageSize]": "5"}
    root = _xml(requests.post(f"{url}/api_v3/service/reach_entryvendortask/action/getJobs", data=form, timeout=5))
    assert [e.text for e in root.findall("result/objects/item/id")] == ["3101"]
    # the same in the query string
    root = _xml(requests.get(f"{url}/api_v3/service/reach_entryvendortask/action/getJobs", params=form, timeout=5))
    assert root.findtext("result/totalCount") == "1"


def test_multipart_json_field(url: str) -> None:
    fields = {"json": json.dumps({"secret": SECRETS[VENDOR], "partnerId": str(VENDOR), "type": "2",
                                  "format": "2"})}
    response = requests.post(f"{url}/api_v3/service/session/action/start", data=fields,
                             files={"fileData": ("x.srt", b"1\n", "text/plain")}, timeout=5)
    ks = _xml(response).findtext("result")
    assert ks and ks.startswith("djJ8")


def test_null_and_empty_array_conventions() -> None:
    decoded = _normalise({"task": {"objectType": "KalturaEntryVendorTask", "notes__null": "",
                                   "unitsUsedArray": {"-": ""}},
                          "list": {"0": {"objectType": "KalturaString", "value": "a"},
                                   "1": {"objectType": "KalturaString", "value": "b"}}})
    assert decoded["task"] == {"objectType": "KalturaEntryVendorTask", "notes": None, "unitsUsedArray": []}
    assert [v["value"] for v in decoded["list"]] == ["a", "b"]
    assert unflatten({"a[b][c]": "1", "0:service": "x"}) == {"a": {"b": {"c": "1"}}, "0": {"service": "x"}}


# ------------------------------------------------------------------------------------------------
# The XML envelope


def test_xml_envelope_objects_arrays_maps_nulls_and_bools(url: str) -> None:
    body = {"id": "3102", "ks": access_key(url, 3102),
            "responseProfile": {"objectType": "KalturaResponseProfileHolder", "systemName": "reach_vendor"}}
    response = requests.post(f"{url}/api_v3/service/reach_entryvendortask/action/get", json=body, timeout=5)
    text = response.text
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?><xml><result><objectType>KalturaEntryVendorTask'
                           '</objectType><id>3102</id>')
    root = _xml(response)
    assert float(root.findtext("executionTime")) >= 0
    result = root.find("result")
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


def test_xml_text_is_escaped(url: str) -> None:
    task = client(url, access_key(url, 3101)).reach.entryVendorTask.get(3101)
    assert task.notes == "Names: <Ann & Bob>"
    raw = requests.post(f"{url}/api_v3/service/reach_entryvendortask/action/get",
                        json={"id": "3101", "ks": access_key(url, 3101)}, timeout=5).text
    assert "<notes>Names: &lt;Ann &amp; Bob&gt;</notes>" in raw


def test_ignore_null_omits_null_properties(url: str) -> None:
    raw = requests.post(f"{url}/api_v3/service/reach_entryvendortask/action/get",
                        json={"id": "3101", "ks": access_key(url, 3101), "ignoreNull": "1"}, timeout=5).text
    assert "<finishTime>" not in raw and "<id>3101</id>" in raw


def test_error_envelope(url: str) -> None:
    response = requests.post(f"{url}/api_v3/service/reach_entryvendortask/action/updateJob",
                             json={"id": "56", "ks": vendor_ks(url),
                                   "entryVendorTask": {"objectType": "KalturaEntryVendorTask", "status": "3"}},
                             timeout=5)
    assert response.text.split("<executionTime>")[0] == (
        '<?xml version="1.0" encoding="utf-8"?><xml><result><error><code>ENTRY_VENDOR_TASK_NOT_FOUND</code>'
        "<message>Entry vendor task item with id provided not found [56]</message>"
        "<objectType>KalturaAPIException</objectType><args><item><objectType>KalturaApiExceptionArg"
        "</objectType><name>ID</name><value>56</value></item></args></error></result>")


# ------------------------------------------------------------------------------------------------
# JSON (format=1)


def test_json_format(url: str) -> None:
    body = {"format": "1", "id": "3101", "ks": access_key(url, 3101)}
    response = requests.post(f"{url}/api_v3/service/reach_entryvendortask/action/get", json=body, timeout=5)
    task = response.json()
    assert task["objectType"] == "KalturaEntryVendorTask" and task["id"] == "3101"
    assert "finishTime" not in task  # nulls are omitted
    assert not any(key.startswith("_") for key in task)
    error = requests.post(f"{url}/api_v3/service/reach_entryvendortask/action/get",
                          json={"format": "1", "id": "1", "ks": "junk"}, timeout=5).json()
    assert error == {"code": "INVALID_KS", "message": 'Invalid KS "junk", Error "-1,INVALID_STR"',
                     "objectType": "KalturaAPIException",
                     "args": {"KSID": "junk", "ERR_CODE": "-1", "ERR_DESC": "INVALID_STR"}}


# ------------------------------------------------------------------------------------------------
# Dispatch errors


def _raw_call(url: str, service: str, action_name: str, ks: str | None = None) -> KalturaException:
    c = client(url, ks)
    c.queueServiceActionCall(service, action_name, None, KalturaParams())
    with pytest.raises(KalturaException) as caught:
        c.doQueue()
    return caught.value


def test_unknown_service_and_action(url: str) -> None:
    error = _raw_call(url, "nosuchservice", "list")
    assert (error.code, error.message) == ("SERVICE_DOES_NOT_EXISTS", 'Service "nosuchservice" does not exists')
    error = _raw_call(url, "reach_entryvendortask", "explode")
    assert (error.code, error.message) == (
        "ACTION_DOES_NOT_EXISTS", 'Action "explode" does not exists for service "reach_entryvendortask"')


def test_missing_ks_and_missing_parameter(url: str) -> None:
    error = _raw_call(url, "reach_entryvendortask", "getJobs")
    assert (error.code, error.message) == ("MISSING_KS", "Missing KS, session not established")
    error = _raw_call(url, "reach_entryvendortask", "get", ks=admin_ks(url, CUSTOMER_A))
    assert (error.code, error.message) == ("MISSING_MANDATORY_PARAMETER", 'Missing parameter "id"')


def test_a_sandbox_bug_is_an_internal_server_error(url: str) -> None:
    error = _raw_call(url, "sandboxtest", "boom")
    assert (error.code, error.message) == ("INTERNAL_SERVERL_ERROR", "Internal server error occurred")


# ------------------------------------------------------------------------------------------------
# Multirequest


def test_multirequest_with_references_and_a_failing_item(url: str) -> None:
    c = client(url)
    c.startMultiRequest()
    c.session.start(SECRETS[VENDOR], "", KalturaSessionType.ADMIN, VENDOR)  # {1:result} is the KS
    c.setKs("{1:result}")
    f = KalturaEntryVendorTaskFilter()
    f.entryIdEqual = "0_a2"
    f.statusEqual = KalturaEntryVendorTaskStatus.PENDING
    c.reach.entryVendorTask.getJobs(f)
    c.reach.vendorCatalogItem.get("{2:result:objects:0:catalogItemId}")  # path into result 2
    c.reach.entryVendorTask.extendAccessKey(3101)  # PENDING: fails
    c.reach.entryVendorTask.extendAccessKey("{4:result:id}")  # depends on the failed call
    c.reach.vendorCatalogItem.get(208)  # still runs
    results = c.doMultiRequest()
    assert len(results) == 6
    ks, jobs, item, failed, dependent, last = results
    assert isinstance(ks, str) and ks.startswith("djJ8")
    assert [j.id for j in jobs.objects] == [3101, 3102, 3110, 3111]
    assert type(item).__name__ == "KalturaVendorCaptionsCatalogItem" and item.serviceFeature.getValue() == 1
    assert isinstance(failed, KalturaException) and failed.code == "CANNOT_EXTEND_ACCESS_KEY"
    assert isinstance(dependent, KalturaException) and dependent.code == "CANNOT_EXTEND_ACCESS_KEY"
    assert type(last).__name__ == "KalturaVendorChapteringCatalogItem"


def test_multirequest_inherits_the_top_level_ks(url: str) -> None:
    body = {"format": "2", "ks": vendor_ks(url),
            "0": {"service": "reach_vendorcatalogitem", "action": "get", "id": "201"},
            "1": {"service": "reach_vendorcatalogitem", "action": "get", "id": "{1:result:id}"},
            "2": {"service": "session", "action": "get", "ks": "junk"}}
    root = _xml(requests.post(f"{url}/api_v3/service/multirequest", json=body, timeout=5))
    items = root.findall("result/item")
    assert [i.findtext("id") for i in items[:2]] == ["201", "201"]
    assert items[2].findtext("error/code") == "INVALID_KS"
    # JSON: an array of results
    body["format"] = "1"
    results = requests.post(f"{url}/api_v3/?service=multirequest", json=body, timeout=5).json()
    assert [r.get("id") for r in results[:2]] == [201, 201] and results[2]["code"] == "INVALID_KS"


def test_a_file_inside_a_multirequest(url: str) -> None:
    import io

    from KalturaClient.Plugins.Core import KalturaUploadToken

    data = io.BytesIO(b"1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    data.name = "c.srt"  # without a name the part is a plain form field, not a file (as in PHP)
    c = client(url, access_key(url, 3101))
    c.startMultiRequest()
    c.uploadToken.add(KalturaUploadToken(fileName="c.srt"))
    c.uploadToken.upload("{1:result:id}", data, False, True, -1)  # the file part is "1:fileData"
    token, uploaded = c.doMultiRequest()
    assert token.status.getValue() == 0  # PENDING when added
    assert uploaded.id == token.id and uploaded.status.getValue() == 2  # FULL_UPLOAD
    assert uploaded.uploadedFileSize == len(data.getvalue())

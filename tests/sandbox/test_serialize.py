"""serialize.py: the three response formats, with the types Kaltura's serializers write.

format=3 answers are read back with PHP's own ``unserialize`` (Debian ``php-cli``) when it is
installed: the shapes Kaltura's PHP client reads (an object's class is its ``objectType``, an
error is the array ``{code, message, objectType: KalturaAPIException, args}``).
"""

from __future__ import annotations

from typing import Any

import httpx

from kaltura_sandbox.framework import KalturaAPIError
from kaltura_sandbox.serialize import KMap, to_php
from tests.sandbox.conftest import CUSTOMER, Kit
from tests.sandbox.php_reader import needs_php, php_unserialize


def _call(kit: Kit, service: str, action: str, fmt: str, **params: Any) -> httpx.Response:
    return httpx.post(
        kit.sandbox.url(f"/api_v3/service/{service}/action/{action}"), json={"format": fmt, **params}, timeout=10
    )


def test_php_serialize_unit() -> None:
    assert to_php(None) == "N;" and to_php(True) == "b:1;" and to_php(7) == "i:7;" and to_php(1.5) == "d:1.5;"
    assert to_php("é") == 's:2:"é";'  # the length is in bytes
    assert to_php([1, "a"]) == 'a:2:{i:0;i:1;i:1;s:1:"a";}'
    assert to_php(KMap({"x": 1})) == 'a:1:{s:1:"x";i:1;}'
    assert to_php({"objectType": "KalturaX", "id": "1", "_secret": "s"}) == (
        'O:8:"KalturaX":2:{s:14:"relatedObjects";N;s:2:"id";s:1:"1";}'
    )
    assert to_php(KalturaAPIError("MISSING_KS", "Missing KS, session not established")) == (
        'a:4:{s:4:"code";s:10:"MISSING_KS";s:7:"message";s:35:"Missing KS, session not established";'
        's:10:"objectType";s:19:"KalturaAPIException";s:4:"args";a:0:{}}'
    )


@needs_php
def test_format_3_answers_unserialize_in_php(kit: Kit) -> None:
    ks = kit.vendor_ks()
    jobs = php_unserialize(_call(kit, "reach_entryvendortask", "getJobs", "3", ks=ks).text)
    assert jobs["__class"] == "KalturaEntryVendorTaskListResponse" and jobs["totalCount"] >= 1
    task = jobs["objects"][0]
    assert task["__class"] == "KalturaEntryVendorTask" and isinstance(task["id"], str)
    assert task["status"] == 1 and task["finishTime"] is None and "relatedObjects" in task
    # a related profile's map, nested objects and a typed catalog item
    item = php_unserialize(_call(kit, "reach_vendorcatalogitem", "get", "3", ks=ks, id="603").text)
    assert item["__class"] == "KalturaVendorTranslationCatalogItem" and item["pricing"]["__class"] == (
        "KalturaVendorCatalogItemPricing"
    )
    error = php_unserialize(_call(kit, "reach_entryvendortask", "get", "3", ks="junk", id="1").text)
    assert error == {
        "code": "INVALID_KS",
        "message": 'Invalid KS "junk", Error "-1,INVALID_STR"',
        "objectType": "KalturaAPIException",
        "args": {"KSID": "junk", "ERR_CODE": "-1", "ERR_DESC": "INVALID_STR"},
    }
    pinged = php_unserialize(_call(kit, "system", "ping", "3").text)
    assert pinged is True
    # a multirequest: one PHP array of the answers, errors included
    body = {
        "format": "3",
        "ks": ks,
        "1": {"service": "system", "action": "ping"},
        "2": {"service": "reach_entryvendortask", "action": "get", "id": "1"},
    }
    both = php_unserialize(httpx.post(kit.sandbox.url("/api_v3/service/multirequest"), json=body).text)
    assert both[0] is True and both[1]["code"] == "ENTRY_VENDOR_TASK_NOT_FOUND"


def test_an_unknown_format_is_refused(kit: Kit) -> None:
    answer = _call(kit, "system", "ping", "42")
    assert answer.headers["content-type"].startswith("text/xml")
    assert "<code>UNKNOWN_RESPONSE_FORMAT</code>" in answer.text
    assert "<message>Response format provided [42] is not recognized by server</message>" in answer.text


def test_json_types_are_kalturas(kit: Kit) -> None:
    """KalturaJsonSerializer writes PHP's values: BIGINT ids and custom-data enums as strings,
    integer columns as numbers, nullable booleans as true/false, an empty args as []."""
    key = kit.access_key(8001)
    task = _call(kit, "reach_entryvendortask", "get", "1", ks=key, id="8001").json()
    assert task["id"] == "8001" and task["version"] == 1 and task["status"] == 1 and task["partnerId"] == CUSTOMER
    entry = _call(kit, "baseentry", "get", "1", ks=key, entryId="0_rfent001").json()
    assert entry["status"] == 2 and entry["type"] == 1 and entry["mediaType"] == 1
    admin_ks = kit.admin_ks()
    profile = _call(kit, "reach_reachprofile", "get", "1", ks=admin_ks, id="701").json()
    assert profile["enableMachineModeration"] is False and profile["autoDisplayMachineCaptionsOnPlayer"] is True
    item = _call(kit, "reach_vendorcatalogitem", "get", "1", ks=key, id="601").json()
    assert item["outputFormat"] == "1" and item["enableSpeakerId"] is False
    captions = _call(
        kit,
        "caption_captionasset",
        "list",
        "1",
        ks=admin_ks,
        filter={"objectType": "KalturaCaptionAssetFilter", "entryIdEqual": "0_rfent003"},
    ).json()
    assert {c["isDefault"] for c in captions["objects"]} <= {True, False}
    context = _call(kit, "baseentry", "getPlaybackContext", "1", ks=key, entryId="0_rfent001").json()
    assert {s["deliveryProfileId"] for s in context["sources"]} <= {1001, 1002}
    missing = _call(kit, "baseentry", "get", "1", entryId="0_rfent001").json()
    assert missing == {
        "code": "MISSING_KS",
        "message": "Missing KS, session not established",
        "objectType": "KalturaAPIException",
        "args": [],
    }
    unknown = _call(kit, "caption_captionasset", "get", "1", ks=key, captionAssetId="0_nosuch").json()
    assert unknown["args"] == {"ASSET_ID": "0_nosuch"}  # the constant's one argument, nothing more


def test_response_content_types_are_kalturas(kit: Kit) -> None:
    """KalturaPhpSerializer sets no header, so a format=3 answer carries PHP's default
    ``text/html``; a ``content-type`` parameter replaces the serializer's header
    (``KalturaFrontController::serializeResponse``); PHP adds ``; charset=UTF-8`` to text types."""
    assert _call(kit, "system", "ping", "3").headers["content-type"] == "text/html; charset=UTF-8"
    assert _call(kit, "system", "ping", "1").headers["content-type"] == "application/json"
    assert _call(kit, "system", "ping", "2").headers["content-type"] == "text/xml; charset=UTF-8"
    chosen = _call(kit, "system", "ping", "1", **{"content-type": "text/plain"})
    assert chosen.headers["content-type"] == "text/plain; charset=UTF-8" and chosen.json() is True

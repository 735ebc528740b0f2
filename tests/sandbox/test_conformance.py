"""Kaltura's other official clients and vendor code against the sandbox, unchanged.

* Kaltura's Node client (npm ``kaltura-client``, JSON, installed at test time into
  ``tests/sandbox/node``) runs a whole REACH job (``node/reach_job.js``) and records every call as it
  crossed the wire. The same calls are then sent again in format=3 to a second sandbox built from
  the same scenario, and PHP's own ``unserialize`` must read every answer as the JSON answer said:
  each object of class ``objectType``, the same values with the same PHP types, errors as
  ``KalturaAPIException`` arrays.
* Kaltura's REACH vendor sample (PHP, format 3; ``docs/sandbox-conformance.md`` records its run
  against the sandbox with Kaltura's PHP client) sends the calls replayed here, body for body.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from kaltura_sandbox.testing import running_sandbox
from tests.sandbox.conftest import APP_TOKEN, APP_TOKEN_ID, VENDOR, Kit, scenario
from tests.sandbox.php_reader import needs_php, php_unserialize, php_unserialize_all

NODE_DIR = Path(__file__).parent / "node"
NODE_CLIENT_VERSION = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["kaltura-client"]
TASK_ID = 8001  # machine captions (catalog item 601, SRT) on 0_rfent001, REACH profile 701
SRT = "1\n00:00:00,000 --> 00:00:02,500\nCaptions make every lecture easier to follow.\n"
# What npm prints when it cannot reach its registry (the only reason to skip the Node test).
_OFFLINE = re.compile(r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network", re.I)


@pytest.fixture(scope="module")
def node_job_script() -> Path:
    """``node/reach_job.js`` with ``kaltura-client`` installed beside it (once; kept between runs)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Debian nodejs and npm are not installed (make test installs them)")
    installed = NODE_DIR / "node_modules" / "kaltura-client" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != NODE_CLIENT_VERSION:
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0 and _OFFLINE.search(done.stderr):
            pytest.skip(f"the npm registry is unreachable: {done.stderr.strip()[-300:]}")
        assert done.returncode == 0, done.stderr
    return NODE_DIR / "reach_job.js"


def _run_node_job(script: Path, base_url: str) -> dict[str, Any]:
    config = {
        "serviceUrl": base_url,
        "partnerId": VENDOR,
        "appTokenId": APP_TOKEN_ID,
        "appToken": APP_TOKEN,
        "taskId": TASK_ID,
    }
    done = subprocess.run(
        ["node", str(script), json.dumps(config)], cwd=NODE_DIR, capture_output=True, text=True, timeout=120
    )
    report: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
    assert done.returncode == 0 and report.get("ok"), (report.get("error"), done.stderr[-2000:])
    return report


@pytest.fixture(scope="module")
def node_job(node_job_script: Path, kit: Kit) -> dict[str, Any]:
    """The Node client's job on this module's sandbox: ``{"facts": ..., "calls": [...]}``."""
    return _run_node_job(node_job_script, kit.url)


def test_the_node_client_completes_a_reach_job(node_job: dict[str, Any], kit: Kit) -> None:
    facts = node_job["facts"]
    assert facts["tokenStatus"] == 2  # KalturaAppTokenStatus::ACTIVE
    assert str(TASK_ID) in facts["pendingIds"]
    assert facts["relatedObjects"] == ["reach_vendor_catalog_item", "reach_vendor_profile"]
    assert facts["catalogItem"]["objectType"] == "KalturaVendorCaptionsCatalogItem"
    assert facts["missingTaskError"] == "ENTRY_VENDOR_TASK_NOT_FOUND"
    assert facts["entry"] == {"id": "0_rfent001", "objectType": "KalturaMediaEntry", "status": 2, "duration": 3}
    assert facts["flavor"]["downloaded"] == facts["flavor"]["sizeInBytes"] > 0
    assert facts["processing"] == 3 and facts["existingCaptions"] == 0
    assert facts["uploadedFileSize"] == len(SRT.encode())
    caption = facts["caption"]
    assert caption["status"] == 2 and caption["language"] == "English" and caption["format"] == "1"
    assert facts["captionText"] == SRT
    assert facts["ready"] == {"status": 2, "outputObjectId": caption["id"], "accuracy": 95}
    assert facts["seen"] == [{"id": str(TASK_ID), "status": 2, "outputObjectId": caption["id"]}]
    # the customer sees the delivered captions, labelled with the profile's machine label addition
    delivered = kit.admin().caption.captionAsset.get(caption["id"])
    assert delivered.entryId == "0_rfent001" and delivered.label == "English (auto)"
    assert f"reach-task-{TASK_ID}" in delivered.tags


# ---------------------------------------------------------------------------------------------
# The same calls in format=3, read by PHP's unserialize

_KS = re.compile(r"djJ8[A-Za-z0-9_\-+/=]+|(?<=/ks/)[^/?]+")  # a v2 KS ("v2|..." in base64), a KS in a URL
_KS_KEYS = {"ks", "accessKey"}  # any KS, v1 or v2
_SECONDS = re.compile(r"(At|Time|Date)$|^expiry$")  # clock values: two sandboxes a few seconds apart


def _substitute(value: Any, learned: dict[str, str]) -> Any:
    if isinstance(value, str):
        return learned.get(value, value)
    if isinstance(value, dict):
        return {k: _substitute(v, learned) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, learned) for v in value]
    return value


def _mask(text: str, base_url: str) -> str:
    """A URL or text with its sandbox address and KS values blanked (they differ between sandboxes)."""
    return _KS.sub("<ks>", text.replace(base_url, "<sandbox>"))


class _Comparison:
    """Walks a JSON answer and PHP's reading of the format=3 answer side by side."""

    def __init__(self, json_base: str, php_base: str) -> None:
        self.json_base, self.php_base = json_base, php_base
        self.learned: dict[str, str] = {}  # KS in the JSON run -> KS in the format=3 run
        self.objects = 0

    def same(self, js: Any, php: Any, where: str, key: str = "") -> None:
        if isinstance(js, dict) and js.get("objectType") == "KalturaAPIException":
            # KalturaSerializer::convertExceptionsToPhpArrays: a PHP array, what the client's isError reads
            assert isinstance(php, dict) and "__class" not in php, where
            assert {k: php[k] for k in ("code", "message", "objectType")} == {
                k: js[k] for k in ("code", "message", "objectType")
            }, where
            self.same(js["args"], php["args"], f"{where}.args")
        elif isinstance(js, dict) and "objectType" in js:
            assert isinstance(php, dict) and php.get("__class") == js["objectType"], (where, php)
            self.objects += 1
            for name, value in js.items():
                if name != "objectType":
                    assert name in php, f"{where}.{name} is missing from the format=3 answer"
                    self.same(value, php[name], f"{where}.{name}", name)
            extra = {name: value for name, value in php.items() if name not in js and name != "__class"}
            assert all(value is None for value in extra.values()), (where, extra)  # JSON leaves nulls out
        elif isinstance(js, dict):  # a map (relatedObjects, error args): a PHP array with string keys
            assert isinstance(php, dict) or (php == [] and not js), (where, php)
            assert set(js) == set(php or {}), where
            for name, value in js.items():
                self.same(value, php[name], f"{where}.{name}")
        elif isinstance(js, list):
            assert isinstance(php, list) and len(php) == len(js), (where, php)
            for index, (left, right) in enumerate(zip(js, php, strict=True)):
                self.same(left, right, f"{where}[{index}]")
        elif isinstance(js, str):
            assert isinstance(php, str), (where, php)
            if key in _KS_KEYS or (_KS.fullmatch(js) and _KS.fullmatch(php)):
                self.learned[js] = php
            else:
                assert _mask(js, self.json_base) == _mask(php, self.php_base), where
        elif isinstance(js, int) and not isinstance(js, bool) and _SECONDS.search(key):
            assert type(php) is int and abs(php - js) < 600, (where, js, php)
        else:  # the same PHP type: bool, int and float stay apart
            assert type(php) is type(js) and php == js, (where, js, php)


def test_the_comparison_tells_php_types_and_classes_apart() -> None:
    comparison = _Comparison("http://a", "http://b")
    task = {"objectType": "KalturaEntryVendorTask", "id": "8001", "status": 1, "accuracy": 95.0}
    comparison.same(
        task, {"__class": "KalturaEntryVendorTask", "id": "8001", "status": 1, "accuracy": 95.0, "x": None}, "t"
    )
    for wrong in (
        {"__class": "KalturaEntryVendorTask", "id": 8001, "status": 1, "accuracy": 95.0},  # an id as a number
        {"__class": "KalturaEntryVendorTask", "id": "8001", "status": "1", "accuracy": 95.0},  # an enum as a string
        {"__class": "KalturaEntryVendorTask", "id": "8001", "status": 1, "accuracy": 95},  # a float as an integer
        {"__class": "KalturaObject", "id": "8001", "status": 1, "accuracy": 95.0},  # another class
        {"id": "8001", "status": 1, "accuracy": 95.0},  # an array, not an object
        {"__class": "KalturaEntryVendorTask", "id": "8001", "status": 1, "accuracy": 95.0, "x": 0},  # a non-null extra
    ):
        with pytest.raises(AssertionError):
            comparison.same(task, wrong, "t")


@needs_php
def test_every_format_3_answer_of_the_job_reads_in_php(node_job: dict[str, Any], kit: Kit, media_cache: Path) -> None:
    calls = node_job["calls"]
    with running_sandbox(scenario(), media_dir=media_cache) as twin:
        comparison = _Comparison(kit.url, twin.base_url)
        for call in calls:
            body = _substitute(call["body"], comparison.learned)
            body["format"] = 3
            body.pop("kalsig", None)  # the Node client's signature of the JSON request
            if call["path"].endswith("/apptoken/action/startSession"):
                body["tokenHash"] = hashlib.sha256((body["ks"] + APP_TOKEN).encode()).hexdigest()
            url = twin.url(call["path"])
            if call["files"]:
                parts = {
                    name: ("chunk", base64.b64decode(content), "application/octet-stream")
                    for name, content in call["files"].items()
                }
                answer = httpx.post(url, data={"json": json.dumps(body)}, files=parts, timeout=30)
            else:
                answer = httpx.post(url, json=body, timeout=30)
            assert answer.status_code == 200, (call["name"], answer.text[:300])
            php = php_unserialize_all([answer.text])[0]
            comparison.same(json.loads(call["raw"]), php, call["name"])
    assert len(calls) == 18 and comparison.objects >= 40
    assert any(json.loads(call["raw"]) is True for call in calls)  # system.ping: b:1;


# ---------------------------------------------------------------------------------------------
# Kaltura's REACH vendor sample (REACH-Vendor-Integration, resources/code samples/
# REACH_VENDOR_SAMPLE_APP-getJobs.php) through Kaltura's PHP client: its calls, body for body

_PHP_CLIENT = {"format": "3", "ignoreNull": True, "clientTag": "php5:26-04-25_reachflow_9500", "apiVersion": "22.18.0"}


def _sample_call(kit: Kit, service: str, action: str, **params: Any) -> str:
    answer = httpx.post(
        kit.sandbox.url(f"/api_v3/service/{service}/action/{action}"), json={**_PHP_CLIENT, **params}, timeout=30
    )
    assert answer.status_code == 200, answer.text[:300]
    return answer.text


@needs_php
def test_the_reach_vendor_samples_calls_read_in_php(kit: Kit) -> None:
    widget = php_unserialize(_sample_call(kit, "session", "startWidgetSession", widgetId=f"_{VENDOR}", expiry="86400"))
    assert widget["__class"] == "KalturaStartWidgetSessionResponse" and widget["partnerId"] == VENDOR
    token_hash = hashlib.sha256((widget["ks"] + APP_TOKEN).encode()).hexdigest()
    session = php_unserialize(
        _sample_call(
            kit,
            "apptoken",
            "startSession",
            id=APP_TOKEN_ID,
            tokenHash=token_hash,
            userId="REACH_JOB_PROCESSOR",
            type="2",
            expiry="86400",
            sessionPrivileges="disableentitlement",
            ks=widget["ks"],
        )
    )
    assert session["__class"] == "KalturaSessionInfo" and session["partnerId"] == VENDOR
    jobs = php_unserialize(
        _sample_call(
            kit,
            "reach_entryvendortask",
            "getJobs",
            filter={
                "objectType": "KalturaEntryVendorTaskFilter",
                "vendorPartnerIdEqual": str(VENDOR),
                "statusEqual": "1",
            },
            pager={"objectType": "KalturaFilterPager", "pageSize": "500"},
            ks=session["ks"],
        )
    )
    assert jobs["__class"] == "KalturaEntryVendorTaskListResponse" and jobs["totalCount"] == len(jobs["objects"]) > 1
    assert all(job["__class"] == "KalturaEntryVendorTask" and job["status"] == 1 for job in jobs["objects"])
    # the sample reads every job; one of each customer and catalog item covers every kind of answer
    kinds = {(job["partnerId"], job["catalogItemId"]): job for job in reversed(jobs["objects"])}
    sampled = list(kinds.values())
    assert len(sampled) >= 8
    raws = []
    for job in sampled:
        raws.append(
            _sample_call(
                kit,
                "reach_entryvendortask",
                "get",
                clientTag=f"{_PHP_CLIENT['clientTag']}_{job['id']}",
                id=job["id"],
                ks=job["accessKey"],
                responseProfile={"objectType": "KalturaResponseProfileHolder", "systemName": "reach_vendor"},
            )
        )
        raws.append(
            _sample_call(
                kit,
                "baseentry",
                "getPlaybackContext",
                clientTag=f"{_PHP_CLIENT['clientTag']}_{job['id']}",
                entryId=job["entryId"],
                contextDataParams={
                    "objectType": "KalturaPlaybackContextOptions",
                    "ks": job["accessKey"],
                    "streamerType": "http",
                },
                ks=job["accessKey"],
            )
        )
    answers = php_unserialize_all(raws)
    for job, details, context in zip(sampled, answers[0::2], answers[1::2], strict=True):
        assert details["__class"] == "KalturaEntryVendorTask" and details["id"] == job["id"]
        related = details["relatedObjects"]
        assert related["reach_vendor_catalog_item"]["__class"] == "KalturaVendorCatalogItemListResponse"
        assert related["reach_vendor_catalog_item"]["objects"][0]["__class"].startswith("KalturaVendor")
        assert related["reach_vendor_profile"]["objects"][0]["__class"] == "KalturaReachProfile"
        assert context["__class"] == "KalturaPlaybackContext" and context["sources"]
        assert all(source["__class"] == "KalturaPlaybackSource" for source in context["sources"])
        assert all(flavor["__class"] == "KalturaFlavorAsset" for flavor in context["flavorAssets"])

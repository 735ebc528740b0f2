"""Scenarios: relative times, the server's task-creation rules, validation, the default scenario
and the credentials it hands out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter

from kaltura_sandbox.scenario import build_store, credentials, load_scenario, resolve_time
from kaltura_sandbox.server import credentials as server_credentials
from kaltura_sandbox.services.reach import access_key_seconds, expected_finish
from tests.sandbox.conftest import SECRETS, SILENCE, VENDOR, Kit


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def test_relative_and_absolute_times() -> None:
    now = 1_700_000_000
    assert resolve_time("-2h", now) == now - 7200
    assert resolve_time("+30m", now) == now + 1800
    assert resolve_time("-3d", now) == now - 3 * 86400
    assert resolve_time("+1w", now) == now + 604800
    assert resolve_time(1_600_000_000, now) == 1_600_000_000
    assert resolve_time(None, now) is None


def test_turnaround_deadlines() -> None:
    friday = _epoch("2026-11-20T15:00:00")
    assert expected_finish(friday, 1) == _epoch("2026-11-23T15:00:00")  # Monday
    assert expected_finish(friday, 5) == _epoch("2026-11-27T15:00:00")
    assert expected_finish(friday, -1) == friday + 7 * 86400  # BEST_EFFORT
    assert expected_finish(friday, 7200) == friday + 7200
    assert access_key_seconds(7200) == 7 * 86400
    assert access_key_seconds(864000) == 2 * 864000


def test_scenario_errors(tmp_path: Path, media_cache: Path) -> None:
    base = {
        "vendor": {"partner_id": VENDOR, "admin_secret": "s"},
        "catalog_items": [{"id": 1, "feature": "TRANSLATION", "require_source": True}],
        "customers": [
            {
                "partner_id": 5,
                "admin_secret": "c",
                "reach_profiles": [{"id": 2}],
                "entries": [{"id": "0_x", "speech": SILENCE}],
                "tasks": [{"entry": "0_x", "catalog_item": 1, "reach_profile": 2}],
            }
        ],
    }
    with pytest.raises(ValueError, match="REQUIRE_CAPTION"):
        build_store(base, media_cache)
    base["customers"][0]["tasks"][0]["catalog_item"] = 99
    with pytest.raises(ValueError, match="unknown catalog item 99"):
        build_store(base, media_cache)
    path = tmp_path / "bad.yaml"
    path.write_text("customers: []\n")
    with pytest.raises(ValueError, match="vendor"):
        load_scenario(path)


def test_the_default_scenario(media_cache: Path) -> None:
    scenario = load_scenario(None)
    creds = credentials(scenario, "http://127.0.0.1:8765")
    assert creds == server_credentials(None)
    assert set(creds) == {
        "service_url",
        "vendor_partner_id",
        "vendor_admin_secret",
        "app_token_id",
        "app_token",
        "app_token_hash_type",
        "customers",
    }
    assert creds["service_url"] == "http://127.0.0.1:8765"
    assert creds["app_token_hash_type"] == "SHA256"
    assert len(creds["customers"]) >= 3
    assert all(set(c) == {"partner_id", "admin_secret"} for c in creds["customers"])
    store = build_store(scenario, media_cache)
    features = {int(i["serviceFeature"]) for i in store.rows("catalog_items")}
    assert {1, 2, 4, 5, 7, 8, 9} <= features
    types = {(int(i["serviceFeature"]), int(i["serviceType"])) for i in store.rows("catalog_items")}
    assert {(1, 1), (1, 2)} <= types  # human and machine captions
    translations = [i for i in store.rows("catalog_items") if int(i["serviceFeature"]) == 2]
    assert {bool(i["requireSource"]) for i in translations} == {True, False}
    tasks = list(store.rows("tasks"))
    assert {int(t["serviceFeature"]) for t in tasks} >= {1, 2, 4, 5, 7, 8, 9}
    assert all(t["accessKey"] for t in tasks)
    profiles = list(store.rows("reach_profiles"))
    assert {p["defaultOutputFormat"] for p in profiles} == {1, 2, 3}
    live = next(t for t in tasks if int(t["serviceFeature"]) == 8)
    assert live["taskJobData"]["objectType"] == "KalturaScheduledVendorTaskData"
    # translation: English→Spanish (an engine serves it), English→French (human) and English→German
    # (machine, a pair no offline engine serves, so the demo shows that ERROR)
    pairs = {
        int(t["id"]): (int(t["serviceType"]), store.get("catalog_items", t["catalogItemId"])["targetLanguage"])
        for t in tasks
        if int(t["serviceFeature"]) == 2
    }
    assert pairs == {5004: (2, "Spanish"), 5106: (1, "French"), 5008: (2, "German")}
    german = store.get("tasks", 5008)
    assert german["entryId"] == "0_nwlect01" and int(german["status"]) == 1
    assert german["taskJobData"]["objectType"] == "KalturaTranslationVendorTaskData"
    assert german["taskJobData"]["captionAssetId"] == "0_nwsrccap"
    source = store.get("caption_assets", "0_nwsrccap")
    assert (source["language"], source["status"], source["entryId"]) == ("English", 2, "0_nwlect01")
    item = store.get("catalog_items", 112)
    assert item["objectType"] == "KalturaVendorTranslationCatalogItem" and item["requireSource"] is True
    assert (item["sourceLanguage"], item["outputFormat"]) == ("English", "1")  # a string, as Kaltura answers


def test_a_small_inline_scenario_served_with_a_v1_vendor(media_cache: Path) -> None:
    from kaltura_sandbox.testing import running_sandbox

    scenario = {
        "vendor": {
            "partner_id": VENDOR,
            "admin_secret": SECRETS[VENDOR],
            "ks_version": 1,
            "app_token": {"id": "0_t", "token": "tok"},
        },
        "catalog_items": [{"id": 1}],
        "customers": [
            {
                "partner_id": 7,
                "admin_secret": "c7",
                "reach_profiles": [{"id": 2}],
                "entries": [{"id": "0_x", "speech": SILENCE}],
                "tasks": [{"id": 1, "entry": "0_x", "catalog_item": 1, "reach_profile": 2}],
            }
        ],
    }
    with running_sandbox(scenario, media_dir=media_cache) as sandbox:
        assert sandbox.credentials["app_token_hash_type"] == "SHA1"
        ks = vendor_ks_for(Kit(sandbox))
        assert not ks.startswith("djJ8")  # v1
        jobs = Kit(sandbox).client(ks).reach.entryVendorTask.getJobs(KalturaEntryVendorTaskFilter())
        assert [j.id for j in jobs.objects] == [1]
        assert sandbox.url("/api_v3/x") == f"{sandbox.base_url}/api_v3/x"


def vendor_ks_for(kit: Kit) -> str:
    import hashlib

    c = kit.client()
    widget = c.session.startWidgetSession(f"_{VENDOR}").ks
    c.setKs(widget)
    return c.appToken.startSession("0_t", hashlib.sha1((widget + "tok").encode()).hexdigest()).ks

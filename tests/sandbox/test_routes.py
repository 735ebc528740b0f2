"""routes.py: what ``reachflow sandbox routes`` prints comes from the sandbox's own registry."""

from __future__ import annotations

import httpx

from kaltura_sandbox.routes import routes_text, served_actions, served_paths
from tests.sandbox.conftest import Kit


def test_the_served_actions_are_the_ones_that_answer(kit: Kit) -> None:
    actions = served_actions()
    assert actions["reach_entryvendortask"] == ["abort", "extendAccessKey", "get", "getJobs", "list", "updateJob"]
    assert {"get", "list", "startSession"} <= set(actions["apptoken"])
    assert "GET /p/{pid}/sp/{sp}/playManifest/{rest:path}" in served_paths()
    text = routes_text()
    assert "  caption_captionasset: add, delete, get, getUrl, list" in text and "ACTION_DOES_NOT_EXISTS" in text
    # every listed action is routed (a missing KS, not ACTION_DOES_NOT_EXISTS); anything else is not
    for service, names in actions.items():
        for name in names:
            body = httpx.post(kit.sandbox.url(f"/api_v3/service/{service}/action/{name}"), json={"format": "1"}).json()
            assert not (
                isinstance(body, dict) and body.get("code") in ("ACTION_DOES_NOT_EXISTS", "SERVICE_DOES_NOT_EXISTS")
            ), (service, name)
    unknown = httpx.post(kit.sandbox.url("/api_v3/service/apptoken/action/delete"), json={"format": "1"}).json()
    assert unknown["code"] == "ACTION_DOES_NOT_EXISTS"
    assert (
        httpx.post(kit.sandbox.url("/api_v3/service/nosuch/action/list"), json={"format": "1"}).json()["code"]
        == "SERVICE_DOES_NOT_EXISTS"
    )

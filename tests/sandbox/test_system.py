"""services/system.py: ping, getTime, getVersion (no KS needed)."""

from __future__ import annotations

import time

from tests.sandbox.conftest import Kit


def test_system_reads(kit: Kit) -> None:
    client = kit.client()
    assert client.system.ping() is True
    assert abs(client.system.getTime() - time.time()) < 5
    assert client.system.getVersion() == "Venus-22.19.0"

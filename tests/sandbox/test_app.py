"""app.py: the api_v3 front: request decoding, dispatch, multirequest, envelopes."""

from __future__ import annotations

import time

import httpx
from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter

from tests.sandbox.conftest import Kit


def test_relative_times_in_filters(kit: Kit) -> None:
    """KalturaRequestDeserializer casts ``@var time`` properties with kTime::getRelativeTime: a
    value within ±10 years counts from now."""
    vendor = kit.vendor()
    everything = "1,2,3,4,5,6,7,8,9"
    recent = vendor.reach.entryVendorTask.list(
        KalturaEntryVendorTaskFilter(statusIn=everything, createdAtGreaterThanOrEqual=-3600)).objects
    ids = {t.id for t in recent}
    assert 8001 in ids and 8004 not in ids  # created 50 minutes ago / two days ago
    older = vendor.reach.entryVendorTask.list(
        KalturaEntryVendorTaskFilter(statusIn=everything, createdAtLessThanOrEqual=-86400)).objects
    assert 8004 in {t.id for t in older} and 8001 not in {t.id for t in older}
    absolute = vendor.reach.entryVendorTask.list(KalturaEntryVendorTaskFilter(
        statusIn=everything, createdAtGreaterThanOrEqual=int(time.time()) - 3600)).objects
    assert {t.id for t in absolute} == ids


def test_all_in_a_multirequest_reference(kit: Kit) -> None:
    """``{1:result:objects:_all:id}`` is every id of a list, comma-terminated (getValuesFromObjectsArray)."""
    ks = kit.vendor_ks()
    body = {"format": "1", "ks": ks,
            "1": {"service": "reach_entryvendortask", "action": "list",
                  "filter": {"objectType": "KalturaEntryVendorTaskFilter", "idIn": "8001,8002"}},
            "2": {"service": "reach_entryvendortask", "action": "list",
                  "filter": {"objectType": "KalturaEntryVendorTaskFilter", "idIn": "{1:result:objects:_all:id}"}},
            "3": {"service": "system", "action": "ping", "note": "{1:result:objects:_all:entryId}"}}
    first, second, third = httpx.post(kit.sandbox.url("/api_v3/service/multirequest"), json=body).json()
    assert [t["id"] for t in first["objects"]] == ["8001", "8002"]
    assert [t["id"] for t in second["objects"]] == ["8001", "8002"]
    assert third is True

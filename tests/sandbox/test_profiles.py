"""profiles.py: response profiles on any action: INCLUDE/EXCLUDE fields, nested related profiles
producing relatedObjects, detached and stored (by id or system name)."""

from __future__ import annotations

import httpx
import pytest
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Caption import KalturaCaptionAssetFilter
from KalturaClient.Plugins.Core import (
    KalturaBaseEntryFilter,
    KalturaDetachedResponseProfile,
    KalturaFilterPager,
    KalturaResponseProfileHolder,
    KalturaResponseProfileMapping,
    KalturaResponseProfileType,
)
from KalturaClient.Plugins.Reach import (
    KalturaEntryVendorTaskFilter,
    KalturaReachProfileFilter,
    KalturaVendorCatalogItemFilter,
)

from tests.sandbox.conftest import Kit


def _profile(
    kind: int,
    fields: str,
    name: str = "",
    related: list[KalturaDetachedResponseProfile] | None = None,
    filter=None,
    mappings: list[tuple[str, str]] | None = None,
) -> KalturaDetachedResponseProfile:  # type: ignore[no-untyped-def]
    profile = KalturaDetachedResponseProfile(name=name or None, type=kind, fields=fields)
    if related:
        profile.relatedProfiles = related
    if filter is not None:
        profile.filter = filter
    if mappings:
        profile.mappings = [KalturaResponseProfileMapping(parentProperty=p, filterProperty=f) for p, f in mappings]
    return profile


def test_include_fields_keeps_only_those(kit: Kit) -> None:
    vendor = kit.vendor()
    vendor.setResponseProfile(_profile(KalturaResponseProfileType.INCLUDE_FIELDS, "id,status,entryId"))
    jobs = vendor.reach.entryVendorTask.getJobs(KalturaEntryVendorTaskFilter(), KalturaFilterPager(pageSize=3))
    assert jobs.totalCount >= 3 and len(jobs.objects) == 3
    for job in jobs.objects:
        assert job.id and job.entryId and job.status.getValue() == 1
        assert job.accessKey == "" and job.catalogItemId is None and job.createdAt is None  # empty elements
    # JSON omits what the profile drops
    body = {
        "format": "1",
        "ks": kit.vendor_ks(),
        "id": "8001",
        "entryVendorTask": {"objectType": "KalturaEntryVendorTask"},
        "responseProfile": {"objectType": "KalturaDetachedResponseProfile", "type": "1", "fields": "id,status"},
    }
    answer = httpx.post(kit.sandbox.url("/api_v3/service/reach_entryvendortask/action/updateJob"), json=body).json()
    assert answer == {"id": "8001", "status": 1, "objectType": "KalturaEntryVendorTask"}


def test_exclude_fields_drops_only_those(kit: Kit) -> None:
    admin = kit.admin()
    admin.setResponseProfile(_profile(KalturaResponseProfileType.EXCLUDE_FIELDS, "tags,name"))
    entry = admin.baseEntry.get("0_rfent001")
    assert entry.name == "" and entry.tags == "" and entry.id == "0_rfent001" and entry.msDuration > 0


def test_nested_related_profiles_produce_related_objects(kit: Kit) -> None:
    """Kaltura's own vendor worker asks getJobs for each task's catalog item and REACH profile; here
    one more level: the task's entry, and under it the entry's captions."""
    captions = _profile(
        KalturaResponseProfileType.INCLUDE_FIELDS,
        "id,language",
        name="captions",
        filter=KalturaCaptionAssetFilter(),
        mappings=[("id", "entryIdEqual")],
    )
    entry = _profile(
        KalturaResponseProfileType.INCLUDE_FIELDS,
        "id,name",
        name="entry",
        filter=KalturaBaseEntryFilter(),
        mappings=[("entryId", "idEqual")],
        related=[captions],
    )
    item = _profile(
        KalturaResponseProfileType.INCLUDE_FIELDS,
        "id,serviceFeature,sourceLanguage",
        name="item",
        filter=KalturaVendorCatalogItemFilter(),
        mappings=[("catalogItemId", "idEqual")],
    )
    reach_profile = _profile(
        KalturaResponseProfileType.EXCLUDE_FIELDS,
        "dictionaries",
        name="profile",
        filter=KalturaReachProfileFilter(),
        mappings=[("reachProfileId", "idEqual")],
    )
    vendor = kit.vendor()
    vendor.setResponseProfile(
        _profile(
            KalturaResponseProfileType.INCLUDE_FIELDS, "id,entryId,catalogItemId", related=[item, reach_profile, entry]
        )
    )
    f = KalturaEntryVendorTaskFilter(idEqual=8002)
    task = vendor.reach.entryVendorTask.getJobs(f).objects[0]
    assert set(task.relatedObjects) == {"item", "profile", "entry"}
    got_item = task.relatedObjects["item"].objects[0]
    assert type(got_item).__name__ == "KalturaVendorCaptionsCatalogItem"
    assert (got_item.id, got_item.sourceLanguage.getValue(), got_item.name) == (602, "English", "")
    got_profile = task.relatedObjects["profile"].objects[0]
    assert got_profile.id == 701 and got_profile.dictionaries == [] and got_profile.name == "Shown"
    got_entry = task.relatedObjects["entry"].objects[0]
    assert (got_entry.id, got_entry.name, got_entry.tags) == ("0_rfent003", "Podcast", "")
    assert "0_rfsrccap" in {c.id for c in got_entry.relatedObjects["captions"].objects}
    # a mapping whose parent value is null skips that related profile
    vendor.setResponseProfile(
        _profile(
            KalturaResponseProfileType.INCLUDE_FIELDS,
            "id",
            related=[
                _profile(
                    1, "id", name="output", filter=KalturaCaptionAssetFilter(), mappings=[("outputObjectId", "idEqual")]
                )
            ],
        )
    )
    assert vendor.reach.entryVendorTask.getJobs(f).objects[0].relatedObjects == {}


def test_stored_profiles_by_system_name_and_id(kit: Kit) -> None:
    client = kit.with_key(8006)
    client.setResponseProfile(KalturaResponseProfileHolder(systemName="reach_vendor"))
    task = client.reach.entryVendorTask.get(8006)
    assert task.accessKey and task.serviceType is None  # not in the include list
    assert set(task.relatedObjects) == {"reach_vendor_catalog_item", "reach_vendor_profile"}
    client.setResponseProfile(KalturaResponseProfileHolder(id=1))  # the same, by id
    assert set(client.reach.entryVendorTask.get(8006).relatedObjects) == {
        "reach_vendor_catalog_item",
        "reach_vendor_profile",
    }
    client.setResponseProfile(KalturaResponseProfileHolder(systemName="no_such_profile"))
    with pytest.raises(KalturaException) as caught:
        client.reach.entryVendorTask.get(8006)
    assert caught.value.code == "RESPONSE_PROFILE_NAME_NOT_FOUND"
    assert caught.value.message == "Response profile name [no_such_profile] not found"
    client.setResponseProfile(KalturaResponseProfileHolder(id=987))
    with pytest.raises(KalturaException) as caught:
        client.reach.entryVendorTask.get(8006)
    assert caught.value.code == "RESPONSE_PROFILE_ID_NOT_FOUND"
    # a scenario's own stored profile (partner 2501's "ids_only")
    admin = kit.admin()
    admin.setResponseProfile(KalturaResponseProfileHolder(systemName="ids_only"))
    entry = admin.baseEntry.get("0_rfent001")
    assert entry.id == "0_rfent001" and entry.name == ""

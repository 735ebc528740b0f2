"""REACH server rules seen by a vendor through the official client: getJobs' forced filters and
paging, get with the reach_vendor response profile, accessKey scope, updateJob transitions and
side effects, extendAccessKey, profiles and catalog items."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from KalturaClient import KalturaClient
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Caption import KalturaCaptionAsset, KalturaCaptionType
from KalturaClient.Plugins.Core import KalturaFilterPager, KalturaResponseProfileHolder, KalturaStringResource
from KalturaClient.Plugins.Reach import (
    KalturaEntryVendorTask,
    KalturaEntryVendorTaskFilter,
    KalturaEntryVendorTaskStatus,
    KalturaVendorCatalogItemFilter,
    KalturaVendorServiceFeature,
)

from kaltura_sandbox.testing import RunningSandbox, running_sandbox
from tests.sandbox.conftest import CUSTOMER, OTHER_CUSTOMER, VENDOR, Kit, scenario

S = KalturaEntryVendorTaskStatus


def _error(call) -> KalturaException:  # type: ignore[no-untyped-def]
    with pytest.raises(KalturaException) as caught:
        call()
    return caught.value


def _status(task: KalturaEntryVendorTask) -> int:
    return int(task.status.getValue())


def _update(status: int | None = None, **fields: object) -> KalturaEntryVendorTask:
    task = KalturaEntryVendorTask()
    if status is not None:
        task.status = status
    for name, value in fields.items():
        setattr(task, name, value)
    return task


def _reach_vendor(client: KalturaClient) -> KalturaClient:
    client.setResponseProfile(KalturaResponseProfileHolder(systemName="reach_vendor"))
    return client


# ---------------------------------------------------------------------------------------------
# getJobs


def test_get_jobs_forces_pending_and_the_vendor(kit: Kit) -> None:
    client = kit.vendor()
    default = client.reach.entryVendorTask.getJobs().objects
    pending = {8001, 8002, 8006, 8101}
    assert {t.id for t in default} == pending
    assert all(_status(t) == S.PENDING and t.vendorPartnerId == VENDOR for t in default)
    for asked in (S.READY, S.PROCESSING, S.ERROR):
        f = KalturaEntryVendorTaskFilter()
        f.statusEqual = asked
        f.vendorPartnerIdEqual = 1  # ignored: the caller's partner is forced
        assert {t.id for t in client.reach.entryVendorTask.getJobs(f).objects} == pending
    f = KalturaEntryVendorTaskFilter()
    f.statusIn = "1,3"  # PROCESSING is not allowed here, so the whole filter becomes PENDING
    assert {t.id for t in client.reach.entryVendorTask.getJobs(f).objects} == pending
    f = KalturaEntryVendorTaskFilter()
    f.statusEqual = S.SCHEDULED
    assert [t.id for t in client.reach.entryVendorTask.getJobs(f).objects] == [8008]
    f = KalturaEntryVendorTaskFilter()
    f.statusIn = "1,9"
    assert {t.id for t in client.reach.entryVendorTask.getJobs(f).objects} == pending | {8008}
    # other filter fields apply, and the default order is +createdAt
    f = KalturaEntryVendorTaskFilter()
    f.entryIdEqual = "0_rfent003"
    assert [t.id for t in client.reach.entryVendorTask.getJobs(f).objects] == [8002, 8006]
    f = KalturaEntryVendorTaskFilter()
    f.orderBy = "-createdAt"
    assert [t.id for t in client.reach.entryVendorTask.getJobs(f).objects] == [8006, 8002, 8101, 8001]


def test_get_jobs_needs_the_vendor_permission(kit: Kit) -> None:
    error = _error(lambda: kit.admin(CUSTOMER).reach.entryVendorTask.getJobs())
    assert error.code == "SERVICE_FORBIDDEN"
    error = _error(lambda: kit.with_key(8001).reach.entryVendorTask.getJobs())
    assert error.code == "SERVICE_FORBIDDEN"


@pytest.fixture(scope="module")
def many(media_cache: Path) -> Iterator[RunningSandbox]:
    """520 PENDING tasks on the shared entries (media already cached)."""
    batches = [{"count": 260, "first_id": 20000, "entry": "0_rfent001", "catalog_item": 601, "reach_profile": 701,
                "created": "-3d", "spacing": 10},
               {"count": 260, "first_id": 30000, "entry": "0_rfent003", "catalog_item": 602, "reach_profile": 701,
                "created": "-2d", "spacing": 10}]
    with running_sandbox(scenario(batches=batches), media_dir=media_cache) as running:
        yield running


def test_get_jobs_pages_beyond_500(many: RunningSandbox) -> None:
    client = Kit(many).vendor()
    pager = KalturaFilterPager(pageSize=500, pageIndex=1)
    first = client.reach.entryVendorTask.getJobs(KalturaEntryVendorTaskFilter(), pager)
    total = 520 + 4
    assert first.totalCount == total and len(first.objects) == 500
    second = client.reach.entryVendorTask.getJobs(KalturaEntryVendorTaskFilter(), KalturaFilterPager(pageSize=500, pageIndex=2))
    assert len(second.objects) == total - 500
    ids = [t.id for t in first.objects + second.objects]
    assert len(set(ids)) == total
    created = [t.createdAt for t in first.objects + second.objects]
    assert created == sorted(created)
    # a page size over 500 is cut to 500; the default is 30
    assert len(client.reach.entryVendorTask.getJobs(pager=KalturaFilterPager(pageSize=800)).objects) == 500
    assert len(client.reach.entryVendorTask.getJobs().objects) == 30
    third = client.reach.entryVendorTask.getJobs(pager=KalturaFilterPager(pageSize=500, pageIndex=3))
    assert third.objects == [] and third.totalCount == total


# ---------------------------------------------------------------------------------------------
# get with the reach_vendor response profile


def test_get_with_reach_vendor_profile(kit: Kit) -> None:
    client = _reach_vendor(kit.with_key(8002))
    task = client.reach.entryVendorTask.get(8002)
    client.requestConfiguration.pop("responseProfile", None)
    # included fields
    assert task.id == 8002 and task.partnerId == CUSTOMER and task.vendorPartnerId == VENDOR
    assert task.entryId == "0_rfent003" and _status(task) == S.PENDING
    assert task.catalogItemId == 602 and task.reachProfileId == 701
    assert task.notes == "Speaker names: Ann and Bob."
    assert task.dictionary == "Kaltura\nREACH"
    assert task.accessKey
    # excluded fields come back empty
    assert task.price is None and task.serviceType is None and task.expectedFinishTime is None
    assert task.userId == "" and task.outputObjectId == "" and task.turnAroundTime is None
    item = task.relatedObjects["reach_vendor_catalog_item"].objects[0]
    profile = task.relatedObjects["reach_vendor_profile"].objects[0]
    assert type(item).__name__ == "KalturaVendorCaptionsCatalogItem"
    assert type(profile).__name__ == "KalturaReachProfile"
    assert item.serviceType.getValue() == 1 and item.serviceFeature.getValue() == KalturaVendorServiceFeature.CAPTIONS
    assert item.sourceLanguage.getValue() == "English"
    assert item.id is None and item.name == "" and item.pricing is None  # excluded
    assert profile.labelAdditionForHumanServiceType == "pro"
    assert profile.id is None and profile.dictionaries == []  # excluded (empty array element)
    # without the profile the full task comes back, and no related objects
    plain = kit.with_key(8002).reach.entryVendorTask.get(8002)
    assert plain.price > 0 and plain.serviceType.getValue() == 1 and plain.expectedFinishTime > 0
    assert plain.relatedObjects in (NotImplemented, None, {})


def test_translation_task_data_under_the_profile(kit: Kit) -> None:
    client = _reach_vendor(kit.with_key(8006))
    task = client.reach.entryVendorTask.get(8006)
    assert type(task.taskJobData).__name__ == "KalturaTranslationVendorTaskData"
    assert task.taskJobData.captionAssetId == "0_rfsrccap"
    assert task.taskJobData.entryDuration is None  # not in the 2021 include list
    item = task.relatedObjects["reach_vendor_catalog_item"].objects[0]
    assert type(item).__name__ == "KalturaVendorTranslationCatalogItem"
    assert item.targetLanguage.getValue() == "Spanish"


def test_get_with_the_vendor_ks_does_not_find_customer_tasks(kit: Kit) -> None:
    error = _error(lambda: kit.vendor().reach.entryVendorTask.get(8001))
    assert error.code == "ENTRY_VENDOR_TASK_NOT_FOUND"
    assert error.message == "Entry vendor task item with id provided not found [8001]"
    # another customer's accessKey does not see it either
    assert _error(lambda: kit.with_key(8101).reach.entryVendorTask.get(8001)).code == "ENTRY_VENDOR_TASK_NOT_FOUND"


def test_access_key_is_scoped_to_its_entry(kit: Kit) -> None:
    client = kit.with_key(8001)  # entry 0_rfent001
    assert client.baseEntry.get("0_rfent001").id == "0_rfent001"
    error = _error(lambda: client.baseEntry.get("0_rfent003"))
    assert error.code in ("ENTRY_ID_NOT_FOUND", "NO_PERMISSION_ON_ENTRY")
    asset = KalturaCaptionAsset(language="English", format=KalturaCaptionType.SRT)
    error = _error(lambda: client.caption.captionAsset.add("0_rfent003", asset))
    assert error.code in ("ENTRY_ID_NOT_FOUND", "NO_PERMISSION_ON_ENTRY")
    info = client.session.get()
    assert info.sessionType.getValue() == 0 and info.partnerId == CUSTOMER and info.userId == ""
    privileges = info.privileges.split(",")
    assert {"edit:0_rfent001", "setrole:REACH_VENDOR_ROLE", "sview:0_rfent001", "download:0_rfent001",
            "disableentitlementforentry:0_rfent001"} <= set(privileges)
    assert "enablecaptionmoderation" not in privileges
    assert "enablecaptionmoderation" in kit.with_key(8003).session.get().privileges.split(",")


def test_list_lets_the_vendor_see_any_status(kit: Kit) -> None:
    client = kit.vendor()
    f = KalturaEntryVendorTaskFilter()
    f.statusIn = "2,6"
    assert {t.id for t in client.reach.entryVendorTask.list(f).objects} >= {8004, 8005}
    f = KalturaEntryVendorTaskFilter()
    f.statusEqual = S.PROCESSING
    assert {t.id for t in client.reach.entryVendorTask.list(f).objects} >= {8003, 8007}
    f = KalturaEntryVendorTaskFilter()
    f.idEqual = 8004
    task = client.reach.entryVendorTask.list(f).objects[0]
    assert task.externalTaskId == "ext-8004" and task.finishTime
    # a customer's admin sees its own tasks only
    customer = {t.id for t in kit.admin(OTHER_CUSTOMER).reach.entryVendorTask.list().objects}
    assert customer == {8101}


# ---------------------------------------------------------------------------------------------
# updateJob


def test_pending_to_processing_to_ready(kit: Kit) -> None:
    task_id = kit.new_task(created=None)
    client = kit.vendor()
    key = kit.access_key(task_id)
    before = time.time()
    processing = client.reach.entryVendorTask.updateJob(task_id, _update(S.PROCESSING, externalTaskId="acme-1"))
    assert _status(processing) == S.PROCESSING and processing.externalTaskId == "acme-1"
    assert processing.finishTime is None
    # re-setting the current status is a no-op, not an error
    again = client.reach.entryVendorTask.updateJob(task_id, _update(S.PROCESSING))
    assert _status(again) == S.PROCESSING
    # produce an output with the accessKey, then READY with it
    customer = kit.client(key)
    caption = customer.caption.captionAsset.add("0_rfent001", KalturaCaptionAsset(
        language="English", label="English", format=KalturaCaptionType.SRT))
    customer.caption.captionAsset.setContent(caption.id, KalturaStringResource(
        content="1\n00:00:00,000 --> 00:00:01,000\nHi\n"))
    ready = client.reach.entryVendorTask.updateJob(task_id, _update(S.READY, outputObjectId=caption.id, accuracy=93))
    assert _status(ready) == S.READY and ready.outputObjectId == caption.id and ready.accuracy == 93
    assert ready.finishTime >= int(before)
    # the accessKey died with READY
    error = _error(lambda: kit.client(key).baseEntry.get("0_rfent001"))
    assert error.code == "INVALID_KS"
    assert error.message == 'Invalid KS "LOGOUT", Error "-1,INVALID_STR"'
    # the profile's machine label addition was appended to the output caption
    assert kit.admin().caption.captionAsset.get(caption.id).label == "English (auto)"
    # READY is final
    for target in (S.PROCESSING, S.PENDING, S.ERROR):
        error = _error(lambda: client.reach.entryVendorTask.updateJob(task_id, _update(target)))
        assert error.code == "CANNOT_UPDATE_STATUS_OF_TASK_WHICH_IS_IN_FINAL_STATE"
        assert error.message == (f"Cannot update status from [2] to [{target}] for task with id [{task_id}], "
                                 "since task is in final status")


def test_error_is_final_too(kit: Kit) -> None:
    client = kit.vendor()
    error = _error(lambda: client.reach.entryVendorTask.updateJob(8005, _update(S.PROCESSING)))
    assert error.code == "CANNOT_UPDATE_STATUS_OF_TASK_WHICH_IS_IN_FINAL_STATE"
    error = _error(lambda: client.reach.entryVendorTask.updateJob(8005, _update(unitsUsed=3)))
    assert error.code == "CANNOT_UPDATE_UNIT_USED_OF_TASK_WHICH_IS_IN_FINAL_STATE"
    # other fields of a final task may still change
    done = client.reach.entryVendorTask.updateJob(8005, _update(notes="seen"))
    assert done.notes == "seen" and _status(done) == S.ERROR


def test_processing_guard_and_error_side_effects(kit: Kit) -> None:
    client = kit.vendor()
    task_id = kit.new_task("PROCESSING")
    # PROCESSING can only be entered from PENDING-like states; ABORTED likewise
    error = _error(lambda: client.reach.entryVendorTask.updateJob(task_id, _update(S.ABORTED)))
    assert error.code == "ENTRY_VENDOR_TASK_ITEM_COULD_NOT_BE_UPDATED"
    assert error.message == f"Entry vendor task item with id [{task_id}] could not be updated to status [{S.ABORTED}]"
    failed = client.reach.entryVendorTask.updateJob(task_id, _update(S.ERROR, errDescription="bad audio"))
    assert _status(failed) == S.ERROR and failed.errDescription == "bad audio" and failed.finishTime


def test_back_to_pending_requeues(kit: Kit) -> None:
    client = kit.vendor()
    task_id = kit.new_task("PROCESSING", createdAt=int(time.time()) - 3600)
    before = kit.vendor().reach.entryVendorTask.list(KalturaEntryVendorTaskFilter(idEqual=task_id)).objects[0]
    time.sleep(1.05)
    requeued = client.reach.entryVendorTask.updateJob(task_id, _update(S.PENDING))
    assert _status(requeued) == S.PENDING
    assert requeued.queueTime > before.queueTime
    assert requeued.expectedFinishTime == requeued.queueTime + 7200  # TWO_HOURS from the new queue time


def test_insert_only_fields_and_partner_data(kit: Kit) -> None:
    client = kit.vendor()
    task_id = kit.new_task()
    error = _error(lambda: client.reach.entryVendorTask.updateJob(task_id, _update(entryId="0_rfent003")))
    assert error.code == "PROPERTY_VALIDATION_NOT_UPDATABLE"
    assert error.message == 'The property "entryId" cannot be updated'
    # the same value is fine (what a reused fetched object sends)
    same = client.reach.entryVendorTask.updateJob(task_id, _update(entryId="0_rfent001", catalogItemId=601))
    assert same.entryId == "0_rfent001"
    error = _error(lambda: client.reach.entryVendorTask.updateJob(task_id, _update(partnerData="{not json")))
    assert error.code == "PARTNER_DATA_NOT_VALID_JSON_STRING"
    ok = client.reach.entryVendorTask.updateJob(task_id, _update(partnerData='{"job": 1}'))
    assert ok.partnerData == '{"job": 1}'


def test_unknown_status_value_is_refused(kit: Kit) -> None:
    task_id = kit.new_task()
    client = kit.vendor()
    error = _error(lambda: client.reach.entryVendorTask.updateJob(task_id, _update(99)))
    assert error.code == "INVALID_ENUM_VALUE"
    assert error.message == ('Invalid enumeration value "99" for parameter "status", '
                             'expecting enumeration type "KalturaEntryVendorTaskStatus"')
    listed = client.reach.entryVendorTask.list(KalturaEntryVendorTaskFilter(idEqual=task_id)).objects[0]
    assert _status(listed) == S.PENDING


def test_update_job_needs_the_vendor_and_its_task(kit: Kit) -> None:
    error = _error(lambda: kit.admin().reach.entryVendorTask.updateJob(8001, _update(S.PROCESSING)))
    assert error.code == "SERVICE_FORBIDDEN"
    error = _error(lambda: kit.vendor().reach.entryVendorTask.updateJob(999999, _update(S.PROCESSING)))
    assert error.code == "ENTRY_VENDOR_TASK_NOT_FOUND"


# ---------------------------------------------------------------------------------------------
# extendAccessKey


def test_extend_access_key_only_for_processing_or_scheduled(kit: Kit) -> None:
    client = kit.vendor()
    for task_id in (8001, 8004, 8005):
        error = _error(lambda: client.reach.entryVendorTask.extendAccessKey(task_id))
        assert error.code == "CANNOT_EXTEND_ACCESS_KEY"
        assert error.message == "Extending accessKey for non processing task is not allowed"
    scheduled = client.reach.entryVendorTask.extendAccessKey(8008)
    assert scheduled.accessKey and kit.client(scheduled.accessKey).baseEntry.get("0_rfent001")


def test_extended_key_works_after_the_old_one_expired(kit: Kit) -> None:
    old = kit.access_key(8007)  # a 2-second accessKey, minted when the scenario was built
    deadline = time.time() + 3
    while True:
        try:
            kit.client(old).baseEntry.get("0_rfent003")
        except KalturaException as error:
            assert error.code == "INVALID_KS"
            assert error.message == 'Invalid KS "EXPIRED", Error "-1,INVALID_STR"'
            break
        assert time.time() < deadline, "the 2-second accessKey never expired"
        time.sleep(0.2)
    extended = kit.vendor().reach.entryVendorTask.extendAccessKey(8007)
    assert extended.accessKey != old
    entry = kit.client(extended.accessKey).baseEntry.get("0_rfent003")
    assert entry.id == "0_rfent003"
    same_privileges = kit.client(extended.accessKey).session.get().privileges
    assert "edit:0_rfent003" in same_privileges.split(",")


# ---------------------------------------------------------------------------------------------
# Profiles and catalog items


def test_reach_profile_needs_an_admin_ks(kit: Kit) -> None:
    error = _error(lambda: kit.with_key(8001).reach.reachProfile.get(701))
    assert error.code == "SERVICE_FORBIDDEN"
    profile = kit.admin(CUSTOMER).reach.reachProfile.get(701)
    assert profile.id == 701 and profile.name == "Shown"
    assert profile.labelAdditionForMachineServiceType == "auto"
    assert profile.autoDisplayMachineCaptionsOnPlayer.getValue() == 1
    assert kit.admin(CUSTOMER).reach.reachProfile.get(702).autoDisplayMachineCaptionsOnPlayer.getValue() == 0
    assert _error(lambda: kit.admin(OTHER_CUSTOMER).reach.reachProfile.get(701)).code == "REACH_PROFILE_NOT_FOUND"


def test_catalog_items(kit: Kit) -> None:
    client = kit.vendor()
    item = client.reach.vendorCatalogItem.get(603)
    assert type(item).__name__ == "KalturaVendorTranslationCatalogItem"
    assert item.sourceLanguage.getValue() == "English" and item.targetLanguage.getValue() == "Spanish"
    assert item.serviceFeature.getValue() == KalturaVendorServiceFeature.TRANSLATION
    assert item.turnAroundTime.getValue() == 86400 and item.vendorPartnerId == VENDOR
    listed = client.reach.vendorCatalogItem.list()
    assert [i.id for i in listed.objects] == [601, 602, 603] and listed.totalCount == 3
    f = KalturaVendorCatalogItemFilter()
    f.serviceTypeEqual = 1
    assert [i.id for i in client.reach.vendorCatalogItem.list(f).objects] == [602]
    # the accessKey may read catalog items too
    assert kit.with_key(8001).reach.vendorCatalogItem.get(601).id == 601
    assert _error(lambda: client.reach.vendorCatalogItem.get(1)).code == "CATALOG_ITEM_NOT_FOUND"

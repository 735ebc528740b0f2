"""REACH vendor actions through the official client: getJobs, list, get (reach_vendor profile),
updateJob (the status rules of reach-spec §2.1), extendAccessKey, catalog items and profiles."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import KalturaFilterPager, KalturaResponseProfileHolder
from KalturaClient.Plugins.Reach import (
    KalturaEntryVendorTask,
    KalturaEntryVendorTaskFilter,
    KalturaEntryVendorTaskOrderBy,
    KalturaEntryVendorTaskStatus as S,
    KalturaVendorCatalogItemFilter,
)

from kaltura_sandbox.services.reach import expected_finish
from kaltura_sandbox.testing import running_sandbox
from tests.sandbox.reach_fixtures import (
    CUSTOMER_A, CUSTOMER_B, MEDIA_DIR, POOL, SECRETS, SILENCE, VENDOR, access_key, admin_ks, client,
    shared_sandbox, vendor_ks,
)

_pool = iter(POOL)


def fresh_task() -> int:
    """A PENDING task no other test touches."""
    return next(_pool)


@pytest.fixture(scope="module")
def url() -> str:
    return shared_sandbox().base_url


@pytest.fixture(scope="module")
def vks(url: str) -> str:
    return vendor_ks(url)


def _error(call: Callable[[], Any]) -> KalturaException:
    with pytest.raises(KalturaException) as caught:
        call()
    return caught.value


def _task_filter(**fields: Any) -> KalturaEntryVendorTaskFilter:
    f = KalturaEntryVendorTaskFilter()
    for name, value in fields.items():
        setattr(f, name, value)
    return f


def _update(url: str, ks: str, task_id: int, **fields: Any) -> KalturaEntryVendorTask:
    return client(url, ks).reach.entryVendorTask.updateJob(task_id, KalturaEntryVendorTask(**fields))


def _status(url: str, vks: str, task_id: int) -> int:
    tasks = client(url, vks).reach.entryVendorTask.list(_task_filter(idEqual=task_id, statusIn="1,2,3,4,5,6,7,8,9"))
    return tasks.objects[0].status.getValue()


# ------------------------------------------------------------------------------------------------
# getJobs


def test_get_jobs_returns_pending_tasks_of_the_vendor(url: str, vks: str) -> None:
    jobs = client(url, vks).reach.entryVendorTask.getJobs(_task_filter(entryIdEqual="0_a2"))
    assert type(jobs).__name__ == "KalturaEntryVendorTaskListResponse"
    assert sorted(j.id for j in jobs.objects) == [3101, 3102, 3110, 3111]
    assert jobs.totalCount == 4
    job = next(j for j in jobs.objects if j.id == 3101)
    assert job.status.getValue() == S.PENDING
    assert (job.partnerId, job.vendorPartnerId, job.entryId) == (CUSTOMER_A, VENDOR, "0_a2")
    assert (job.catalogItemId, job.reachProfileId) == (201, 401)
    assert job.serviceType.getValue() == 2 and job.serviceFeature.getValue() == 1
    assert job.turnAroundTime.getValue() == 7200
    assert job.expectedFinishTime == job.createdAt + 7200
    assert job.queueTime == job.createdAt
    assert job.finishTime is None
    assert job.dictionary == "Kaltura\nREACH"  # the profile's dictionary for the source language
    assert job.notes == "Names: <Ann & Bob>"
    assert job.price == 0.5  # 1 started minute at 0.5 per minute
    assert job.accessKey.startswith("djJ8")


def test_get_jobs_forces_the_vendor_and_the_pending_status(url: str, vks: str) -> None:
    c = client(url, vks)
    # someone else's vendorPartnerIdEqual and a PROCESSING filter are both overridden
    jobs = c.reach.entryVendorTask.getJobs(_task_filter(entryIdEqual="0_a2", vendorPartnerIdEqual=CUSTOMER_A,
                                                        statusEqual=S.PROCESSING))
    assert {j.status.getValue() for j in jobs.objects} == {S.PENDING}
    assert jobs.totalCount == 4
    jobs = c.reach.entryVendorTask.getJobs(_task_filter(entryIdEqual="0_a2", statusIn="1,3,2"))
    assert {j.status.getValue() for j in jobs.objects} == {S.PENDING}
    # PENDING and/or SCHEDULED may be asked for
    jobs = c.reach.entryVendorTask.getJobs(_task_filter(entryIdEqual="0_a2", statusIn="1,9"))
    assert sorted(j.id for j in jobs.objects) == [3101, 3102, 3103, 3110, 3111]
    jobs = c.reach.entryVendorTask.getJobs(_task_filter(statusEqual=S.SCHEDULED, entryIdEqual="0_a2"))
    assert [j.id for j in jobs.objects] == [3103]


def test_get_jobs_applies_the_other_filters_and_order(url: str, vks: str) -> None:
    c = client(url, vks)
    f = _task_filter(entryIdEqual="0_a2", catalogItemIdEqual=201)
    assert [j.id for j in c.reach.entryVendorTask.getJobs(f).objects] == [3101]
    f = _task_filter(entryIdEqual="0_a2", orderBy=KalturaEntryVendorTaskOrderBy.CREATED_AT_DESC)
    assert [j.id for j in c.reach.entryVendorTask.getJobs(f).objects] == [3111, 3110, 3102, 3101]
    f = _task_filter(entryIdEqual="0_a2", orderBy=KalturaEntryVendorTaskOrderBy.CREATED_AT_ASC)
    assert [j.id for j in c.reach.entryVendorTask.getJobs(f).objects] == [3101, 3102, 3110, 3111]


def test_get_jobs_needs_a_vendor_ks(url: str) -> None:
    for ks in (admin_ks(url, CUSTOMER_A), access_key(url, 3101)):
        error = _error(lambda: client(url, ks).reach.entryVendorTask.getJobs())
        assert error.code == "SERVICE_FORBIDDEN"
        assert error.message == "The access to service [reach_entryvendortask->getJobs] is forbidden"


def test_get_jobs_pages_across_more_than_500_tasks() -> None:
    scenario = {
        "vendor": {"partner_id": VENDOR, "admin_secret": SECRETS[VENDOR]},
        "catalog_items": [{"id": 201, "feature": "CAPTIONS", "turn_around_time": "TWO_HOURS"}],
        "customers": [{
            "partner_id": CUSTOMER_A, "admin_secret": SECRETS[CUSTOMER_A],
            "reach_profiles": [{"id": 401}],
            "entries": [{"id": "0_a1", "speech": SILENCE}],
            "task_batches": [{"count": 523, "first_id": 10000, "entry": "0_a1", "catalog_item": 201,
                              "reach_profile": 401, "created": "-2d"}],
        }],
    }
    with running_sandbox(scenario, media_dir=MEDIA_DIR) as sandbox:
        c = client(sandbox.base_url, admin_ks(sandbox.base_url, VENDOR))
        f = _task_filter(orderBy=KalturaEntryVendorTaskOrderBy.CREATED_AT_ASC)
        first = c.reach.entryVendorTask.getJobs(f, KalturaFilterPager(pageSize=500, pageIndex=1))
        second = c.reach.entryVendorTask.getJobs(f, KalturaFilterPager(pageSize=500, pageIndex=2))
        assert (first.totalCount, len(first.objects), len(second.objects)) == (523, 500, 23)
        ids = [j.id for j in first.objects + second.objects]
        assert ids == list(range(10000, 10523))
        # pageSize above the maximum is capped at 500; no pager means 30
        assert len(c.reach.entryVendorTask.getJobs(f, KalturaFilterPager(pageSize=2000)).objects) == 500
        assert len(c.reach.entryVendorTask.getJobs(f).objects) == 30
        third = c.reach.entryVendorTask.getJobs(f, KalturaFilterPager(pageSize=500, pageIndex=3))
        assert (third.objects, third.totalCount) == ([], 523)


# ------------------------------------------------------------------------------------------------
# list


def test_list_with_a_vendor_ks_allows_any_status(url: str, vks: str) -> None:
    c = client(url, vks)
    tasks = c.reach.entryVendorTask.list(_task_filter(entryIdEqual="0_a2", statusIn="1,3"))
    assert {t.id: t.status.getValue() for t in tasks.objects} == {
        3101: S.PENDING, 3102: S.PENDING, 3104: S.PROCESSING, 3110: S.PENDING, 3111: S.PENDING}
    tasks = c.reach.entryVendorTask.list(_task_filter(entryIdEqual="0_a2", statusEqual=S.READY))
    assert [t.id for t in tasks.objects] == [3105]
    # vendorPartnerIdEqual is forced to the caller
    tasks = c.reach.entryVendorTask.list(_task_filter(vendorPartnerIdEqual=1, entryIdEqual="0_b1",
                                                      statusIn="1,4"))
    assert sorted(t.id for t in tasks.objects) == [3201, 3202]


def test_list_with_a_customer_ks_shows_the_partners_own_tasks(url: str) -> None:
    tasks = client(url, admin_ks(url, CUSTOMER_B)).reach.entryVendorTask.list(
        _task_filter(statusIn="1,2,3,4,5,6,7,8,9"))
    assert sorted(t.id for t in tasks.objects) == [3201, 3202]
    assert tasks.totalCount == 2


def test_a_partner_without_reach(url: str) -> None:
    ks = client(url).session.start("delta-secret-2104", "", 2, 2104)
    error = _error(lambda: client(url, ks).reach.entryVendorTask.list())
    assert (error.code, error.message) == ("FEATURE_FORBIDDEN", "The usage of feature [reach] is forbidden")


def test_moderation_and_creation_rules(url: str, vks: str) -> None:
    tasks = {t.id: t for t in client(url, vks).reach.entryVendorTask.list(
        _task_filter(entryIdEqual="0_b1", statusIn="1,4")).objects}
    # profile 402 moderates human output: the human task waits, the machine one is PENDING
    assert tasks[3202].status.getValue() == S.PENDING_MODERATION
    assert tasks[3202].queueTime is None and tasks[3202].expectedFinishTime is None
    assert tasks[3201].status.getValue() == S.PENDING
    # FOUR_BUSINESS_DAYS counts business days
    human = client(url, vks).reach.entryVendorTask.list(_task_filter(idEqual=3104, statusEqual=S.PROCESSING))
    task = human.objects[0]
    assert task.turnAroundTime.getValue() == 4
    assert task.expectedFinishTime == expected_finish(task.createdAt, 4)
    assert task.expectedFinishTime - task.createdAt >= 4 * 86400


# ------------------------------------------------------------------------------------------------
# get and the reach_vendor response profile


def test_get_with_the_reach_vendor_profile(url: str) -> None:
    c = client(url, access_key(url, 3102))
    c.setResponseProfile(KalturaResponseProfileHolder(systemName="reach_vendor"))
    task = c.reach.entryVendorTask.get(3102)
    c.requestConfiguration.pop("responseProfile")
    # the include list: what the vendor needs, nothing else
    assert (task.id, task.entryId, task.catalogItemId, task.reachProfileId) == (3102, "0_a2", 203, 401)
    assert task.status.getValue() == S.PENDING and task.accessKey and task.dictionary == "Kaltura\nREACH"
    assert task.serviceType is None and task.serviceFeature is None and task.turnAroundTime is None
    assert task.price is None and task.expectedFinishTime is None and task.userId == ""
    job_data = task.taskJobData
    assert type(job_data).__name__ == "KalturaTranslationVendorTaskData"
    assert job_data.captionAssetId == "0_a2src"
    assert job_data.entryDuration is None  # not in the include list
    item = task.relatedObjects["reach_vendor_catalog_item"]
    assert type(item).__name__ == "KalturaVendorCatalogItemListResponse" and item.totalCount == 1
    item = item.objects[0]
    assert type(item).__name__ == "KalturaVendorTranslationCatalogItem"
    assert item.sourceLanguage.getValue() == "English" and item.targetLanguage.getValue() == "Spanish"
    assert item.requireSource is True and item.serviceFeature.getValue() == 2
    assert item.turnAroundTime.getValue() == 86400
    # excluded fields are empty
    assert item.id is None and item.name == "" and item.systemName == "" and item.pricing is None
    assert item.status is None and item.vendorPartnerId is None
    profile = task.relatedObjects["reach_vendor_profile"].objects[0]
    assert type(profile).__name__ == "KalturaReachProfile"
    assert profile.name == "Alpha lectures"
    assert profile.defaultOutputFormat.getValue() == 3
    assert profile.enableSpeakerChangeIndication.getValue() == 1
    assert profile.enableProfanityRemoval.getValue() == 1
    assert profile.maxCharactersPerCaptionLine == 42
    assert profile.labelAdditionForMachineServiceType == "auto"
    assert profile.contentDeletionPolicy.getValue() == 3 and profile.vendorTaskProcessingRegion.getValue() == 2
    assert profile.id is None and profile.dictionaries == [] and profile.rules == []
    assert profile.autoDisplayMachineCaptionsOnPlayer is None and profile.credit is None


@pytest.mark.parametrize(("task_id", "cls"), [
    (3101, "KalturaVendorCaptionsCatalogItem"),
    (3110, "KalturaVendorDubbingCatalogItem"),
    (3103, "KalturaVendorLiveCaptionCatalogItem"),
    (3112, "KalturaVendorAudioDescriptionCatalogItem"),
])
def test_the_related_catalog_item_is_typed_by_feature(url: str, task_id: int, cls: str) -> None:
    c = client(url, access_key(url, task_id))
    c.setResponseProfile(KalturaResponseProfileHolder(systemName="reach_vendor"))
    task = c.reach.entryVendorTask.get(task_id)
    assert type(task.relatedObjects["reach_vendor_catalog_item"].objects[0]).__name__ == cls


def test_live_task_job_data(url: str) -> None:
    task = client(url, access_key(url, 3103)).reach.entryVendorTask.get(3103)
    data = task.taskJobData
    assert type(data).__name__ == "KalturaScheduledVendorTaskData"
    assert data.scheduledEventId == 7101
    event = client(url, access_key(url, 3103)).schedule.scheduleEvent.get(7101)
    assert data.startDate == event.startDate - 120 and data.endDate == event.endDate + 60
    assert "LiveCaptionFeature-reach-3103" in [f.systemName for f in event.liveFeatures]


def test_get_without_a_profile_returns_every_field(url: str) -> None:
    task = client(url, access_key(url, 3101)).reach.entryVendorTask.get(3101)
    assert task.serviceType.getValue() == 2 and task.price == 0.5 and task.turnAroundTime.getValue() == 7200
    assert task.relatedObjects is NotImplemented  # no <relatedObjects> element at all


def test_get_applies_the_partner_filter(url: str, vks: str) -> None:
    error = _error(lambda: client(url, vks).reach.entryVendorTask.get(3101))
    assert (error.code, error.message) == (
        "ENTRY_VENDOR_TASK_NOT_FOUND", "Entry vendor task item with id provided not found [3101]")
    assert _error(lambda: client(url, access_key(url, 3201)).reach.entryVendorTask.get(3101)).code == \
        "ENTRY_VENDOR_TASK_NOT_FOUND"


# ------------------------------------------------------------------------------------------------
# updateJob


def test_the_happy_path_and_its_side_effects(url: str, vks: str) -> None:
    task_id = fresh_task()
    key = access_key(url, task_id)
    before = time.time()
    done = _update(url, vks, task_id, status=S.PROCESSING, externalTaskId="ext-1")
    assert done.status.getValue() == S.PROCESSING and done.externalTaskId == "ext-1"
    assert done.updatedAt >= int(before) and done.finishTime is None
    # the accessKey still works while processing
    assert client(url, key).reach.entryVendorTask.get(task_id).id == task_id
    ready = _update(url, vks, task_id, status=S.READY, outputObjectId="0_cap", accuracy=93)
    assert ready.status.getValue() == S.READY
    assert (ready.outputObjectId, ready.accuracy, ready.externalTaskId) == ("0_cap", 93, "ext-1")
    assert ready.finishTime >= int(before)
    # READY kills the accessKey
    error = _error(lambda: client(url, key).reach.entryVendorTask.get(task_id))
    assert (error.code, error.message) == ("INVALID_KS", 'Invalid KS "LOGOUT", Error "-1,INVALID_STR"')


@pytest.mark.parametrize(("task_id", "status"), [(3105, S.READY), (3106, S.ERROR), (3107, S.ABORTED),
                                                 (3108, S.REJECTED)])
def test_final_states_never_change(url: str, vks: str, task_id: int, status: int) -> None:
    for new in (S.PENDING, S.PROCESSING, S.READY if status != S.READY else S.ERROR):
        error = _error(lambda: _update(url, vks, task_id, status=new))
        assert error.code == "CANNOT_UPDATE_STATUS_OF_TASK_WHICH_IS_IN_FINAL_STATE"
        assert error.message == (f"Cannot update status from [{status}] to [{new}] for task with id [{task_id}], "
                                 "since task is in final status")
    # re-setting the same status is a no-op, and other fields may still change
    same = _update(url, vks, task_id, status=status, notes="seen")
    assert same.status.getValue() == status and same.notes == "seen"
    error = _error(lambda: _update(url, vks, task_id, unitsUsed=5))
    assert error.code == "CANNOT_UPDATE_UNIT_USED_OF_TASK_WHICH_IS_IN_FINAL_STATE"
    assert error.message == (f"Cannot update unitsUsed from [] to [5] for task with id [{task_id}], "
                             "since task is in final state")


def test_processing_and_aborted_only_from_waiting_states(url: str, vks: str) -> None:
    task_id = fresh_task()
    _update(url, vks, task_id, status=S.PROCESSING)
    again = _update(url, vks, task_id, status=S.PROCESSING)  # no-op
    assert again.status.getValue() == S.PROCESSING
    error = _error(lambda: _update(url, vks, task_id, status=S.ABORTED))
    assert error.code == "ENTRY_VENDOR_TASK_ITEM_COULD_NOT_BE_UPDATED"
    assert error.message == f"Entry vendor task item with id [{task_id}] could not be updated to status [7]"
    assert _status(url, vks, task_id) == S.PROCESSING
    # back to PENDING requeues it
    requeued = _update(url, vks, task_id, status=S.PENDING)
    assert requeued.queueTime >= requeued.createdAt + 3600
    assert requeued.expectedFinishTime == requeued.queueTime + 7200
    # SCHEDULED may start; an aborted task is final
    assert _update(url, vks, fresh_task(), status=S.ABORTED).status.getValue() == S.ABORTED


def test_error_sets_finish_time_and_keeps_the_description(url: str, vks: str) -> None:
    task_id = fresh_task()
    _update(url, vks, task_id, status=S.PROCESSING)
    failed = _update(url, vks, task_id, status=S.ERROR, errDescription="audio track missing")
    assert failed.status.getValue() == S.ERROR and failed.errDescription == "audio track missing"
    assert failed.finishTime is not None
    # an explicit None clears a field (sent as errDescription__null)
    cleared = _update(url, vks, task_id, errDescription=None)
    assert cleared.errDescription == ""


def test_ready_appends_the_profiles_label_addition(url: str, vks: str) -> None:
    from KalturaClient.Plugins.Caption import KalturaCaptionAsset, KalturaCaptionType
    from KalturaClient.Plugins.Core import KalturaStringResource

    task_id = fresh_task()
    key = access_key(url, task_id)
    _update(url, vks, task_id, status=S.PROCESSING)
    c = client(url, key)
    caption = c.caption.captionAsset.add("0_a1", KalturaCaptionAsset(language="English", label="English",
                                                                   format=KalturaCaptionType.SRT))
    c.caption.captionAsset.setContent(caption.id, KalturaStringResource(content="1\n00:00:00,000 --> 00:00:01,000\nhi\n"))
    _update(url, vks, task_id, status=S.READY, outputObjectId=caption.id)
    # profile 401 labels machine output "auto"; the accessKey is dead now, so read as the customer
    label = client(url, admin_ks(url, CUSTOMER_A)).caption.captionAsset.get(caption.id).label
    assert label == "English (auto)"


def test_error_removes_the_live_feature(url: str, vks: str) -> None:
    ks = admin_ks(url, CUSTOMER_A)
    names = [f.systemName for f in client(url, ks).schedule.scheduleEvent.get(7102).liveFeatures]
    assert names == ["LiveCaptionFeature-reach-3114"]
    _update(url, vks, 3114, status=S.ERROR, errDescription="no relay")
    assert client(url, ks).schedule.scheduleEvent.get(7102).liveFeatures == []


def test_insert_only_fields_cannot_change(url: str, vks: str) -> None:
    task_id = fresh_task()
    error = _error(lambda: _update(url, vks, task_id, entryId="0_other"))
    assert (error.code, error.message) == ("PROPERTY_VALIDATION_NOT_UPDATABLE",
                                           'The property "entryId" cannot be updated')
    error = _error(lambda: _update(url, vks, task_id, catalogItemId=202))
    assert error.message == 'The property "catalogItemId" cannot be updated'
    # re-sending the same value is fine (a fetched task object re-sent as is)
    assert _update(url, vks, task_id, entryId="0_a1", catalogItemId=201).id == task_id


def test_partner_data_must_be_json(url: str, vks: str) -> None:
    task_id = fresh_task()
    error = _error(lambda: _update(url, vks, task_id, partnerData="{not json"))
    assert (error.code, error.message) == ("PARTNER_DATA_NOT_VALID_JSON_STRING",
                                           "Partner data must be a valid json string")
    data = json.dumps({"engine": "whisper", "n": 1})
    assert _update(url, vks, task_id, partnerData=data).partnerData == data


def test_update_job_needs_the_vendor_and_its_task(url: str, vks: str) -> None:
    # REACH_VENDOR_PARTNER_PERMISSION is on the action's permission items: SERVICE_FORBIDDEN
    for ks in (admin_ks(url, CUSTOMER_A), access_key(url, 3101)):
        error = _error(lambda: _update(url, ks, 3101, status=S.PROCESSING))
        assert (error.code, error.message) == (
            "SERVICE_FORBIDDEN", "The access to service [reach_entryvendortask->updateJob] is forbidden")
    error = _error(lambda: _update(url, vks, 999999, status=S.PROCESSING))
    assert (error.code, error.message) == ("ENTRY_VENDOR_TASK_NOT_FOUND",
                                           "Entry vendor task item with id provided not found [999999]")


# ------------------------------------------------------------------------------------------------
# extendAccessKey


def test_extend_access_key_rules(url: str, vks: str) -> None:
    c = client(url, vks)
    error = _error(lambda: c.reach.entryVendorTask.extendAccessKey(3101))  # PENDING
    assert (error.code, error.message) == ("CANNOT_EXTEND_ACCESS_KEY",
                                           "Extending accessKey for non processing task is not allowed")
    assert _error(lambda: c.reach.entryVendorTask.extendAccessKey(3105)).code == "CANNOT_EXTEND_ACCESS_KEY"
    assert _error(lambda: c.reach.entryVendorTask.extendAccessKey(424242)).code == "ENTRY_VENDOR_TASK_NOT_FOUND"
    error = _error(lambda: client(url, admin_ks(url, CUSTOMER_A)).reach.entryVendorTask.extendAccessKey(3112))
    assert error.message == "The access to service [reach_entryvendortask->extendAccessKey] is forbidden"
    # SCHEDULED works too
    assert c.reach.entryVendorTask.extendAccessKey(3103).status.getValue() == S.SCHEDULED


def test_extend_access_key_mints_an_equivalent_key(url: str, vks: str) -> None:
    old = access_key(url, 3112)
    task = client(url, vks).reach.entryVendorTask.extendAccessKey(3112)
    assert task.accessKey != old
    new_info = client(url, task.accessKey).session.get()
    old_info = client(url, old).session.get()  # the old key stays valid until it expires
    assert new_info.privileges == old_info.privileges
    assert (new_info.partnerId, new_info.sessionType.getValue(), new_info.userId) == (CUSTOMER_A, 0, "")
    # the stored accessKey expiry of this task is 3600 s
    assert abs(new_info.expiry - (time.time() + 3600)) < 5
    assert client(url, task.accessKey).baseEntry.get("0_a3").id == "0_a3"


# ------------------------------------------------------------------------------------------------
# Catalog items and REACH profiles


def test_catalog_items(url: str, vks: str) -> None:
    c = client(url, vks)
    item = c.reach.vendorCatalogItem.get(209)
    assert type(item).__name__ == "KalturaVendorTranslationCatalogItem"
    assert item.requireSource is False and item.targetLanguage.getValue() == "French"
    assert item.serviceType.getValue() == 1 and item.turnAroundTime.getValue() == 5
    dubbing = c.reach.vendorCatalogItem.get(204)
    assert (dubbing.flavorParamsId, dubbing.clearAudioFlavorParamsId) == (1507, 1607)
    ead = c.reach.vendorCatalogItem.get(207)
    assert type(ead).__name__ == "KalturaVendorExtendedAudioDescriptionCatalogItem"
    assert ead.outputFormat.getValue() == 3
    error = _error(lambda: c.reach.vendorCatalogItem.get(999))
    assert (error.code, error.message) == ("CATALOG_ITEM_NOT_FOUND",
                                           "Catalog item with id provided not found [999]")
    f = KalturaVendorCatalogItemFilter()
    f.serviceFeatureEqual = 2
    listed = c.reach.vendorCatalogItem.list(f)
    assert [i.id for i in listed.objects] == [203, 209] and listed.totalCount == 2
    f = KalturaVendorCatalogItemFilter()
    f.serviceFeatureIn = "7,8"
    f.orderBy = "-id"
    assert [i.id for i in c.reach.vendorCatalogItem.list(f).objects] == [205, 204]
    assert {type(i).__name__ for i in c.reach.vendorCatalogItem.list().objects} >= {
        "KalturaVendorCaptionsCatalogItem", "KalturaVendorChapteringCatalogItem",
        "KalturaVendorLiveCaptionCatalogItem", "KalturaVendorAudioDescriptionCatalogItem"}


def test_reach_profiles_are_for_the_owners_admin(url: str) -> None:
    c = client(url, admin_ks(url, CUSTOMER_A))
    profile = c.reach.reachProfile.get(401)
    assert profile.name == "Alpha lectures" and profile.partnerId == CUSTOMER_A
    assert [(d.language.getValue(), d.data) for d in profile.dictionaries] == [
        ("English", "Kaltura\nREACH"), ("Spanish", "hola")]
    assert profile.autoDisplayMachineCaptionsOnPlayer.getValue() == 0
    assert [p.id for p in c.reach.reachProfile.list().objects] == [401]
    assert _error(lambda: c.reach.reachProfile.get(402)).code == "REACH_PROFILE_NOT_FOUND"
    error = _error(lambda: client(url, access_key(url, 3101)).reach.reachProfile.get(401))
    assert (error.code, error.message) == ("SERVICE_FORBIDDEN",
                                           "The access to service [reach_reachprofile->get] is forbidden")
    assert _error(lambda: client(url, admin_ks(url, CUSTOMER_B)).reach.reachProfile.get(401)).code == \
        "REACH_PROFILE_NOT_FOUND"


def test_a_sticky_response_profile_filters_every_task_answer(url: str, vks: str) -> None:
    # KalturaClient re-sends a response profile on every call until it is popped (reach-spec §5)
    c = client(url, vks)
    c.setResponseProfile(KalturaResponseProfileHolder(systemName="reach_vendor"))
    jobs = c.reach.entryVendorTask.getJobs(_task_filter(entryIdEqual="0_a2", catalogItemIdEqual=201))
    job = jobs.objects[0]
    assert job.id == 3101 and job.serviceFeature is None and job.turnAroundTime is None
    assert type(job.relatedObjects["reach_vendor_catalog_item"].objects[0]).__name__ == \
        "KalturaVendorCaptionsCatalogItem"
    updated = c.reach.entryVendorTask.updateJob(fresh_task(), KalturaEntryVendorTask(externalTaskId="x"))
    assert updated.externalTaskId == "" and updated.entryId == "0_a1"  # not in the include list
    c.requestConfiguration.pop("responseProfile")
    job = c.reach.entryVendorTask.getJobs(_task_filter(entryIdEqual="0_a2", catalogItemIdEqual=201)).objects[0]
    assert job.serviceFeature.getValue() == 1 and job.relatedObjects is NotImplemented

"""services/reach.py: the REACH vendor actions through the official client: getJobs, list, get
(reach_vendor profile), updateJob (the status rules of reach-spec §2.1), extendAccessKey, the
task's accessKey, catalog items and REACH profiles."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Caption import KalturaCaptionAsset, KalturaCaptionType
from KalturaClient.Plugins.Core import KalturaFilterPager, KalturaResponseProfileHolder, KalturaSessionType
from KalturaClient.Plugins.Reach import (
    KalturaEntryVendorTask,
    KalturaEntryVendorTaskFilter,
    KalturaEntryVendorTaskOrderBy,
    KalturaVendorCatalogItemFilter,
)
from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskStatus as S

from kaltura_sandbox.services.reach import expected_finish
from kaltura_sandbox.testing import running_sandbox
from tests.sandbox.conftest import (
    CUSTOMER_A,
    CUSTOMER_B,
    NO_REACH,
    POOL,
    SECRETS,
    SILENCE,
    VENDOR,
    Kit,
)

_pool = iter(POOL)
_vendor_ks: dict[int, str] = {}


def fresh_task() -> int:
    """A PENDING task of customer A no other test touches."""
    return next(_pool)


def _vks(kit: Kit) -> str:
    """The vendor's KS, signed in once per sandbox."""
    if id(kit) not in _vendor_ks:
        _vendor_ks[id(kit)] = kit.vendor_ks()
    return _vendor_ks[id(kit)]


def _error(call: Callable[[], Any]) -> KalturaException:
    with pytest.raises(KalturaException) as caught:
        call()
    return caught.value


def _task_filter(**fields: Any) -> KalturaEntryVendorTaskFilter:
    f = KalturaEntryVendorTaskFilter()
    for name, value in fields.items():
        setattr(f, name, value)
    return f


def _update(kit: Kit, task_id: int, ks: str | None = None, **fields: Any) -> KalturaEntryVendorTask:
    return kit.client(ks or _vks(kit)).reach.entryVendorTask.updateJob(task_id, KalturaEntryVendorTask(**fields))


def _status(kit: Kit, task_id: int) -> int:
    tasks = kit.vendor().reach.entryVendorTask.list(_task_filter(idEqual=task_id, statusIn="1,2,3,4,5,6,7,8,9"))
    return int(tasks.objects[0].status.getValue())


# ------------------------------------------------------------------------------------------------
# getJobs


def test_get_jobs_returns_pending_tasks_of_the_vendor(kit: Kit) -> None:
    jobs = kit.vendor().reach.entryVendorTask.getJobs(_task_filter(entryIdEqual="0_a2"))
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


def test_get_jobs_forces_the_vendor_and_the_pending_status(kit: Kit) -> None:
    c = kit.vendor()
    # someone else's vendorPartnerIdEqual and a PROCESSING filter are both overridden
    jobs = c.reach.entryVendorTask.getJobs(
        _task_filter(entryIdEqual="0_a2", vendorPartnerIdEqual=CUSTOMER_A, statusEqual=S.PROCESSING)
    )
    assert {j.status.getValue() for j in jobs.objects} == {S.PENDING}
    assert jobs.totalCount == 4
    jobs = c.reach.entryVendorTask.getJobs(_task_filter(entryIdEqual="0_a2", statusIn="1,3,2"))
    assert {j.status.getValue() for j in jobs.objects} == {S.PENDING}
    # PENDING and/or SCHEDULED may be asked for
    jobs = c.reach.entryVendorTask.getJobs(_task_filter(entryIdEqual="0_a2", statusIn="1,9"))
    assert sorted(j.id for j in jobs.objects) == [3101, 3102, 3103, 3110, 3111]
    jobs = c.reach.entryVendorTask.getJobs(_task_filter(statusEqual=S.SCHEDULED, entryIdEqual="0_a2"))
    assert [j.id for j in jobs.objects] == [3103]


def test_get_jobs_applies_the_other_filters_and_order(kit: Kit) -> None:
    c = kit.vendor()
    f = _task_filter(entryIdEqual="0_a2", catalogItemIdEqual=201)
    assert [j.id for j in c.reach.entryVendorTask.getJobs(f).objects] == [3101]
    f = _task_filter(entryIdEqual="0_a2", orderBy=KalturaEntryVendorTaskOrderBy.CREATED_AT_DESC)
    assert [j.id for j in c.reach.entryVendorTask.getJobs(f).objects] == [3111, 3110, 3102, 3101]
    f = _task_filter(entryIdEqual="0_a2", orderBy=KalturaEntryVendorTaskOrderBy.CREATED_AT_ASC)
    assert [j.id for j in c.reach.entryVendorTask.getJobs(f).objects] == [3101, 3102, 3110, 3111]


def test_get_jobs_needs_a_vendor_ks(kit: Kit) -> None:
    for ks in (kit.admin_ks(CUSTOMER_A), kit.access_key(3101)):
        error = _error(lambda ks=ks: kit.client(ks).reach.entryVendorTask.getJobs())
        assert error.code == "SERVICE_FORBIDDEN"
        assert error.message == "The access to service [reach_entryvendortask->getJobs] is forbidden"


def test_get_jobs_pages_across_more_than_500_tasks(media_cache: Path) -> None:
    scenario = {
        "vendor": {"partner_id": VENDOR, "admin_secret": SECRETS[VENDOR]},
        "catalog_items": [{"id": 201, "feature": "CAPTIONS", "turn_around_time": "TWO_HOURS"}],
        "customers": [
            {
                "partner_id": CUSTOMER_A,
                "admin_secret": SECRETS[CUSTOMER_A],
                "reach_profiles": [{"id": 401}],
                "entries": [{"id": "0_a1", "speech": SILENCE}],
                "task_batches": [
                    {
                        "count": 523,
                        "first_id": 10000,
                        "entry": "0_a1",
                        "catalog_item": 201,
                        "reach_profile": 401,
                        "created": "-2d",
                    }
                ],
            }
        ],
    }
    with running_sandbox(scenario, media_dir=media_cache) as sandbox:
        c = Kit(sandbox).admin(VENDOR)
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


def test_list_with_a_vendor_ks_allows_any_status(kit: Kit) -> None:
    c = kit.vendor()
    tasks = c.reach.entryVendorTask.list(_task_filter(entryIdEqual="0_a2", statusIn="1,3"))
    assert {t.id: t.status.getValue() for t in tasks.objects} == {
        3101: S.PENDING,
        3102: S.PENDING,
        3104: S.PROCESSING,
        3110: S.PENDING,
        3111: S.PENDING,
    }
    tasks = c.reach.entryVendorTask.list(_task_filter(entryIdEqual="0_a2", statusEqual=S.READY))
    assert [t.id for t in tasks.objects] == [3105]
    # vendorPartnerIdEqual is forced to the caller
    tasks = c.reach.entryVendorTask.list(_task_filter(vendorPartnerIdEqual=1, entryIdEqual="0_b1", statusIn="1,4"))
    assert sorted(t.id for t in tasks.objects) == [3201, 3202]


def test_list_with_a_customer_ks_shows_the_partners_own_tasks(kit: Kit) -> None:
    tasks = kit.admin(CUSTOMER_B).reach.entryVendorTask.list(_task_filter(statusIn="1,2,3,4,5,6,7,8,9"))
    assert sorted(t.id for t in tasks.objects) == [3201, 3202]
    assert tasks.totalCount == 2


def test_a_partner_without_reach(kit: Kit) -> None:
    ks = kit.client().session.start(SECRETS[NO_REACH], "", 2, NO_REACH)
    error = _error(lambda: kit.client(ks).reach.entryVendorTask.list())
    assert (error.code, error.message) == ("FEATURE_FORBIDDEN", "The usage of feature [reach] is forbidden")


def test_moderation_and_creation_rules(kit: Kit) -> None:
    tasks = {
        t.id: t
        for t in kit.vendor().reach.entryVendorTask.list(_task_filter(entryIdEqual="0_b1", statusIn="1,4")).objects
    }
    # profile 402 moderates human output: the human task waits, the machine one is PENDING
    assert tasks[3202].status.getValue() == S.PENDING_MODERATION
    assert tasks[3202].queueTime is None and tasks[3202].expectedFinishTime is None
    assert tasks[3201].status.getValue() == S.PENDING
    # FOUR_BUSINESS_DAYS counts business days
    human = kit.vendor().reach.entryVendorTask.list(_task_filter(idEqual=3104, statusEqual=S.PROCESSING))
    task = human.objects[0]
    assert task.turnAroundTime.getValue() == 4
    assert task.expectedFinishTime == expected_finish(task.createdAt, 4)
    assert task.expectedFinishTime - task.createdAt >= 4 * 86400


# ------------------------------------------------------------------------------------------------
# get and the reach_vendor response profile


def test_get_with_the_reach_vendor_profile(kit: Kit) -> None:
    c = kit.with_key(3102)
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


@pytest.mark.parametrize(
    ("task_id", "cls"),
    [
        (3101, "KalturaVendorCaptionsCatalogItem"),
        (3110, "KalturaVendorDubbingCatalogItem"),
        (3103, "KalturaVendorLiveCaptionCatalogItem"),
        (3112, "KalturaVendorAudioDescriptionCatalogItem"),
    ],
)
def test_the_related_catalog_item_is_typed_by_feature(kit: Kit, task_id: int, cls: str) -> None:
    c = kit.with_key(task_id)
    c.setResponseProfile(KalturaResponseProfileHolder(systemName="reach_vendor"))
    task = c.reach.entryVendorTask.get(task_id)
    assert type(task.relatedObjects["reach_vendor_catalog_item"].objects[0]).__name__ == cls


def test_live_task_job_data(kit: Kit) -> None:
    task = kit.with_key(3103).reach.entryVendorTask.get(3103)
    data = task.taskJobData
    assert type(data).__name__ == "KalturaScheduledVendorTaskData"
    assert data.scheduledEventId == 7101
    event = kit.with_key(3103).schedule.scheduleEvent.get(7101)
    assert data.startDate == event.startDate - 120 and data.endDate == event.endDate + 60
    assert "LiveCaptionFeature-reach-3103" in [f.systemName for f in event.liveFeatures]


def test_get_without_a_profile_returns_every_field(kit: Kit) -> None:
    task = kit.with_key(3101).reach.entryVendorTask.get(3101)
    assert task.serviceType.getValue() == 2 and task.price == 0.5 and task.turnAroundTime.getValue() == 7200
    assert task.relatedObjects is NotImplemented  # no <relatedObjects> element at all


def test_get_applies_the_partner_filter(kit: Kit) -> None:
    error = _error(lambda: kit.vendor().reach.entryVendorTask.get(3101))
    assert (error.code, error.message) == (
        "ENTRY_VENDOR_TASK_NOT_FOUND",
        "Entry vendor task item with id provided not found [3101]",
    )
    assert _error(lambda: kit.with_key(3201).reach.entryVendorTask.get(3101)).code == "ENTRY_VENDOR_TASK_NOT_FOUND"


# ------------------------------------------------------------------------------------------------
# updateJob


def test_the_happy_path_and_its_side_effects(kit: Kit) -> None:
    task_id = fresh_task()
    key = kit.access_key(task_id)
    before = time.time()
    done = _update(kit, task_id, status=S.PROCESSING, externalTaskId="ext-1")
    assert done.status.getValue() == S.PROCESSING and done.externalTaskId == "ext-1"
    assert done.updatedAt >= int(before) and done.finishTime is None
    # the accessKey still works while processing
    assert kit.client(key).reach.entryVendorTask.get(task_id).id == task_id
    ready = _update(kit, task_id, status=S.READY, outputObjectId="0_cap", accuracy=93)
    assert ready.status.getValue() == S.READY
    assert (ready.outputObjectId, ready.accuracy, ready.externalTaskId) == ("0_cap", 93, "ext-1")
    assert ready.finishTime >= int(before)
    # READY kills the accessKey
    error = _error(lambda: kit.client(key).reach.entryVendorTask.get(task_id))
    assert (error.code, error.message) == ("INVALID_KS", 'Invalid KS "LOGOUT", Error "-1,INVALID_STR"')


@pytest.mark.parametrize(
    ("task_id", "status"), [(3105, S.READY), (3106, S.ERROR), (3107, S.ABORTED), (3108, S.REJECTED)]
)
def test_final_states_never_change(kit: Kit, task_id: int, status: int) -> None:
    for new in (S.PENDING, S.PROCESSING, S.READY if status != S.READY else S.ERROR):
        error = _error(lambda new=new: _update(kit, task_id, status=new))
        assert error.code == "CANNOT_UPDATE_STATUS_OF_TASK_WHICH_IS_IN_FINAL_STATE"
        assert error.message == (
            f"Cannot update status from [{status}] to [{new}] for task with id [{task_id}], "
            "since task is in final status"
        )
    # re-setting the same status is a no-op, and other fields may still change
    same = _update(kit, task_id, status=status, notes="seen")
    assert same.status.getValue() == status and same.notes == "seen"
    error = _error(lambda: _update(kit, task_id, unitsUsed=5))
    assert error.code == "CANNOT_UPDATE_UNIT_USED_OF_TASK_WHICH_IS_IN_FINAL_STATE"
    assert error.message == (
        f"Cannot update unitsUsed from [] to [5] for task with id [{task_id}], since task is in final state"
    )


def test_processing_and_aborted_only_from_waiting_states(kit: Kit) -> None:
    task_id = fresh_task()
    _update(kit, task_id, status=S.PROCESSING)
    again = _update(kit, task_id, status=S.PROCESSING)  # no-op
    assert again.status.getValue() == S.PROCESSING
    error = _error(lambda: _update(kit, task_id, status=S.ABORTED))
    assert error.code == "ENTRY_VENDOR_TASK_ITEM_COULD_NOT_BE_UPDATED"
    assert error.message == f"Entry vendor task item with id [{task_id}] could not be updated to status [7]"
    assert _status(kit, task_id) == S.PROCESSING
    # back to PENDING requeues it
    requeued = _update(kit, task_id, status=S.PENDING)
    assert requeued.queueTime >= requeued.createdAt + 3600
    assert requeued.expectedFinishTime == requeued.queueTime + 7200
    # SCHEDULED may start; an aborted task is final
    assert _update(kit, fresh_task(), status=S.ABORTED).status.getValue() == S.ABORTED


def test_error_sets_finish_time_and_keeps_the_description(kit: Kit) -> None:
    task_id = fresh_task()
    _update(kit, task_id, status=S.PROCESSING)
    failed = _update(kit, task_id, status=S.ERROR, errDescription="audio track missing")
    assert failed.status.getValue() == S.ERROR and failed.errDescription == "audio track missing"
    assert failed.finishTime is not None
    # an explicit None clears a field (sent as errDescription__null)
    cleared = _update(kit, task_id, errDescription=None)
    assert cleared.errDescription == ""


def test_ready_appends_the_profiles_label_addition(kit: Kit) -> None:
    from KalturaClient.Plugins.Caption import KalturaCaptionAsset, KalturaCaptionType
    from KalturaClient.Plugins.Core import KalturaStringResource

    task_id = fresh_task()
    key = kit.access_key(task_id)
    _update(kit, task_id, status=S.PROCESSING)
    c = kit.client(key)
    caption = c.caption.captionAsset.add(
        "0_a1", KalturaCaptionAsset(language="English", label="English", format=KalturaCaptionType.SRT)
    )
    c.caption.captionAsset.setContent(
        caption.id, KalturaStringResource(content="1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    )
    _update(kit, task_id, status=S.READY, outputObjectId=caption.id)
    # profile 401 labels machine output "auto"; the accessKey is dead now, so read as the customer
    label = kit.admin(CUSTOMER_A).caption.captionAsset.get(caption.id).label
    assert label == "English (auto)"


def test_error_removes_the_live_feature(kit: Kit) -> None:
    ks = kit.admin_ks(CUSTOMER_A)
    names = [f.systemName for f in kit.client(ks).schedule.scheduleEvent.get(7102).liveFeatures]
    assert names == ["LiveCaptionFeature-reach-3114"]
    _update(kit, 3114, status=S.ERROR, errDescription="no relay")
    assert kit.client(ks).schedule.scheduleEvent.get(7102).liveFeatures == []


def test_insert_only_fields_cannot_change(kit: Kit) -> None:
    task_id = fresh_task()
    error = _error(lambda: _update(kit, task_id, entryId="0_other"))
    assert (error.code, error.message) == (
        "PROPERTY_VALIDATION_NOT_UPDATABLE",
        'The property "entryId" cannot be updated',
    )
    error = _error(lambda: _update(kit, task_id, catalogItemId=202))
    assert error.message == 'The property "catalogItemId" cannot be updated'
    # re-sending the same value is fine (a fetched task object re-sent as is)
    assert _update(kit, task_id, entryId="0_a1", catalogItemId=201).id == task_id


def test_partner_data_must_be_json(kit: Kit) -> None:
    task_id = fresh_task()
    error = _error(lambda: _update(kit, task_id, partnerData="{not json"))
    assert (error.code, error.message) == (
        "PARTNER_DATA_NOT_VALID_JSON_STRING",
        "Partner data must be a valid json string",
    )
    data = json.dumps({"engine": "whisper", "n": 1})
    assert _update(kit, task_id, partnerData=data).partnerData == data


def test_update_job_needs_the_vendor_and_its_task(kit: Kit) -> None:
    # REACH_VENDOR_PARTNER_PERMISSION is on the action's permission items: SERVICE_FORBIDDEN
    for ks in (kit.admin_ks(CUSTOMER_A), kit.access_key(3101)):
        error = _error(lambda ks=ks: _update(kit, 3101, ks=ks, status=S.PROCESSING))
        assert (error.code, error.message) == (
            "SERVICE_FORBIDDEN",
            "The access to service [reach_entryvendortask->updateJob] is forbidden",
        )
    error = _error(lambda: _update(kit, 999999, status=S.PROCESSING))
    assert (error.code, error.message) == (
        "ENTRY_VENDOR_TASK_NOT_FOUND",
        "Entry vendor task item with id provided not found [999999]",
    )


# ------------------------------------------------------------------------------------------------
# extendAccessKey


def test_extend_access_key_rules(kit: Kit) -> None:
    c = kit.vendor()
    error = _error(lambda: c.reach.entryVendorTask.extendAccessKey(3101))  # PENDING
    assert (error.code, error.message) == (
        "CANNOT_EXTEND_ACCESS_KEY",
        "Extending accessKey for non processing task is not allowed",
    )
    assert _error(lambda: c.reach.entryVendorTask.extendAccessKey(3105)).code == "CANNOT_EXTEND_ACCESS_KEY"
    assert _error(lambda: c.reach.entryVendorTask.extendAccessKey(424242)).code == "ENTRY_VENDOR_TASK_NOT_FOUND"
    error = _error(lambda: kit.admin(CUSTOMER_A).reach.entryVendorTask.extendAccessKey(3112))
    assert error.message == "The access to service [reach_entryvendortask->extendAccessKey] is forbidden"
    # SCHEDULED works too
    assert c.reach.entryVendorTask.extendAccessKey(3103).status.getValue() == S.SCHEDULED


def test_extend_access_key_mints_an_equivalent_key(kit: Kit) -> None:
    old = kit.access_key(3112)
    task = kit.vendor().reach.entryVendorTask.extendAccessKey(3112)
    assert task.accessKey != old
    new_info = kit.client(task.accessKey).session.get()
    old_info = kit.client(old).session.get()  # the old key stays valid until it expires
    assert new_info.privileges == old_info.privileges
    assert (new_info.partnerId, new_info.sessionType.getValue(), new_info.userId) == (CUSTOMER_A, 0, "")
    # the stored accessKey expiry of this task is 3600 s
    assert abs(new_info.expiry - (time.time() + 3600)) < 5
    assert kit.client(task.accessKey).baseEntry.get("0_a3").id == "0_a3"


# ------------------------------------------------------------------------------------------------
# Catalog items and REACH profiles


def test_catalog_items(kit: Kit) -> None:
    c = kit.vendor()
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
    assert (error.code, error.message) == ("CATALOG_ITEM_NOT_FOUND", "Catalog item with id provided not found [999]")
    f = KalturaVendorCatalogItemFilter()
    f.serviceFeatureEqual = 2
    listed = c.reach.vendorCatalogItem.list(f)
    assert [i.id for i in listed.objects] == [203, 209, 603] and listed.totalCount == 3
    f = KalturaVendorCatalogItemFilter()
    f.serviceFeatureIn = "7,8"
    f.orderBy = "-id"
    assert [i.id for i in c.reach.vendorCatalogItem.list(f).objects] == [205, 204]
    assert {type(i).__name__ for i in c.reach.vendorCatalogItem.list().objects} >= {
        "KalturaVendorCaptionsCatalogItem",
        "KalturaVendorChapteringCatalogItem",
        "KalturaVendorLiveCaptionCatalogItem",
        "KalturaVendorAudioDescriptionCatalogItem",
    }


def test_reach_profiles_are_for_the_owners_admin(kit: Kit) -> None:
    c = kit.admin(CUSTOMER_A)
    profile = c.reach.reachProfile.get(401)
    assert profile.name == "Alpha lectures" and profile.partnerId == CUSTOMER_A
    assert [(d.language.getValue(), d.data) for d in profile.dictionaries] == [
        ("English", "Kaltura\nREACH"),
        ("Spanish", "hola"),
    ]
    assert profile.autoDisplayMachineCaptionsOnPlayer.getValue() == 0
    assert [p.id for p in c.reach.reachProfile.list().objects] == [401]
    assert _error(lambda: c.reach.reachProfile.get(402)).code == "REACH_PROFILE_NOT_FOUND"
    error = _error(lambda: kit.with_key(3101).reach.reachProfile.get(401))
    assert (error.code, error.message) == (
        "SERVICE_FORBIDDEN",
        "The access to service [reach_reachprofile->get] is forbidden",
    )
    assert _error(lambda: kit.admin(CUSTOMER_B).reach.reachProfile.get(401)).code == "REACH_PROFILE_NOT_FOUND"


def test_a_sticky_response_profile_filters_every_task_answer(kit: Kit) -> None:
    # KalturaClient re-sends a response profile on every call until it is popped (reach-spec §5)
    c = kit.vendor()
    c.setResponseProfile(KalturaResponseProfileHolder(systemName="reach_vendor"))
    jobs = c.reach.entryVendorTask.getJobs(_task_filter(entryIdEqual="0_a2", catalogItemIdEqual=201))
    job = jobs.objects[0]
    assert job.id == 3101 and job.serviceFeature is None and job.turnAroundTime is None
    assert (
        type(job.relatedObjects["reach_vendor_catalog_item"].objects[0]).__name__ == "KalturaVendorCaptionsCatalogItem"
    )
    updated = c.reach.entryVendorTask.updateJob(fresh_task(), KalturaEntryVendorTask(externalTaskId="x"))
    assert updated.externalTaskId == "" and updated.entryId == "0_a1"  # not in the include list
    c.requestConfiguration.pop("responseProfile")
    job = c.reach.entryVendorTask.getJobs(_task_filter(entryIdEqual="0_a2", catalogItemIdEqual=201)).objects[0]
    assert job.serviceFeature.getValue() == 1 and job.relatedObjects is NotImplemented


# ------------------------------------------------------------------------------------------------
# The task's accessKey


def test_access_key_is_the_customers_entry_scoped_user_ks(kit: Kit) -> None:
    client = kit.with_key(3101)  # entry 0_a2
    assert client.baseEntry.get("0_a2").id == "0_a2"
    error = _error(lambda: client.baseEntry.get("0_a3"))
    assert (error.code, error.message) == ("ENTRY_ID_NOT_FOUND", 'Entry id "0_a3" not found')
    assert _error(lambda: client.baseEntry.get("0_b1")).code == "ENTRY_ID_NOT_FOUND"  # another partner's
    asset = KalturaCaptionAsset(language="English", format=KalturaCaptionType.SRT)
    assert _error(lambda: client.caption.captionAsset.add("0_a3", asset)).code == "ENTRY_ID_NOT_FOUND"
    info = client.session.get()
    assert (info.partnerId, info.sessionType.getValue(), info.userId) == (CUSTOMER_A, KalturaSessionType.USER, "")
    # profile 401 does not auto-display machine captions, so the output must be moderated
    assert info.privileges == (
        "edit:0_a2,setrole:REACH_VENDOR_ROLE,disableentitlementforentry:0_a2,"
        "sview:0_a2,download:0_a2,enablecaptionmoderation"
    )
    assert abs(info.expiry - (time.time() + 7 * 86400)) < 6 * 3600  # max(2 x 2 h, 7 days)
    other = kit.client(kit.access_key(3201)).session.get()
    assert "enablecaptionmoderation" not in other.privileges


def test_a_v1_customer_gets_a_v1_access_key(kit: Kit) -> None:
    key = kit.access_key(3201)
    assert not key.startswith("djJ8")
    assert kit.client(key).session.get().partnerId == CUSTOMER_B


def test_an_expired_access_key_is_extended(kit: Kit) -> None:
    key = kit.access_key(3113)  # its first key expired a minute ago
    error = _error(lambda: kit.client(key).baseEntry.get("0_a3"))
    assert error.message == 'Invalid KS "EXPIRED", Error "-1,INVALID_STR"'
    fresh = kit.vendor().reach.entryVendorTask.extendAccessKey(3113).accessKey
    assert kit.client(fresh).baseEntry.get("0_a3").id == "0_a3"
    # the key lives the task's stored lifetime: max(2 x 2 h, 7 days)
    assert abs(kit.client(fresh).session.get().expiry - (time.time() + 7 * 86400)) < 5


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


def test_unknown_status_value_is_refused(kit: Kit) -> None:
    task_id = fresh_task()
    error = _error(lambda: _update(kit, task_id, status=99))
    assert error.code == "INVALID_ENUM_VALUE"
    assert error.message == (
        'Invalid enumeration value "99" for parameter "status", '
        'expecting enumeration type "KalturaEntryVendorTaskStatus"'
    )
    assert _status(kit, task_id) == S.PENDING


def test_a_widget_session_cannot_get_jobs(kit: Kit) -> None:
    """The vendor's widget KS has WIDGET_SESSION_PERMISSION only: the REACH vendor actions are
    SERVICE_FORBIDDEN to it, even though its partner is the vendor."""
    widget = kit.client(kit.client().session.startWidgetSession(f"_{VENDOR}").ks)
    error = _error(lambda: widget.reach.entryVendorTask.getJobs(KalturaEntryVendorTaskFilter()))
    assert (error.code, error.message) == (
        "SERVICE_FORBIDDEN",
        "The access to service [reach_entryvendortask->getJobs] is forbidden",
    )
    assert _error(lambda: widget.reach.entryVendorTask.extendAccessKey(8003)).code == "SERVICE_FORBIDDEN"
    assert kit.vendor().reach.entryVendorTask.getJobs(KalturaEntryVendorTaskFilter()).totalCount >= 1

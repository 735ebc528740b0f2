"""services/assets.py, cue points: chapters one by one and in bulk, as kaltura/server's cue point plugins do.

Read through the official client with a task's accessKey (entry 0_rfent003), and once in JSON (format=1)
for the field names a customer's tools see.
"""

from __future__ import annotations

import httpx
import pytest
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.CuePoint import KalturaCuePointFilter, KalturaCuePointType
from KalturaClient.Plugins.ThumbCuePoint import (
    KalturaThumbCuePoint,
    KalturaThumbCuePointFilter,
    KalturaThumbCuePointSubType,
)

from tests.sandbox.conftest import Kit, named

ENTRY = "0_rfent003"


def _error(call) -> KalturaException:  # type: ignore[no-untyped-def]
    with pytest.raises(KalturaException) as caught:
        call()
    return caught.value


def _scene(start: str, title: str, *, entry: str = ENTRY, system_name: str = "", tags: tuple[str, ...] = ()) -> str:
    name = f' systemName="{system_name}"' if system_name else ""
    tag_xml = f"<tags>{''.join(f'<tag>{t}</tag>' for t in tags)}</tags>" if tags else ""
    return (
        f'<scene-thumb-cue-point entryId="{entry}"{name}><sceneStartTime>{start}</sceneStartTime>{tag_xml}'
        f"<title>{title}</title><description>About {title}</description><subType>2</subType>"
        "</scene-thumb-cue-point>"
    )


def _bulk(*scenes: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><scenes>' + "".join(scenes) + "</scenes>").encode()


def _listed(client, **filters) -> list:  # type: ignore[no-untyped-def]
    return client.cuePoint.cuePoint.list(KalturaCuePointFilter(entryIdEqual=ENTRY, **filters)).objects


def test_chapter_added_one_by_one_reads_back_with_kalturas_fields(kit: Kit) -> None:
    client = kit.with_key(8002)
    chapter = client.cuePoint.cuePoint.add(
        KalturaThumbCuePoint(
            entryId=ENTRY,
            startTime=1500,
            title="Intro",
            description="Opening words",
            tags="reachflow-task-8002,chapter",
            systemName="rf-8002-ch01",
            subType=KalturaThumbCuePointSubType.CHAPTER,
        )
    )
    assert type(chapter).__name__ == "KalturaThumbCuePoint"
    assert chapter.cuePointType.getValue() == KalturaCuePointType.THUMB
    assert chapter.status.getValue() == 1 and chapter.subType.getValue() == KalturaThumbCuePointSubType.CHAPTER
    assert (chapter.startTime, chapter.title, chapter.description) == (1500, "Intro", "Opening words")
    # the system name is unique per entry: a second add is refused and names the first
    error = _error(lambda: client.cuePoint.cuePoint.add(KalturaThumbCuePoint(entryId=ENTRY, systemName="rf-8002-ch01")))
    assert error.code == "CUE_POINT_SYSTEM_NAME_EXISTS" and chapter.id in str(error)
    # a start past the entry's end, and a negative one, are refused
    assert (
        _error(lambda: client.cuePoint.cuePoint.add(KalturaThumbCuePoint(entryId=ENTRY, startTime=10**9))).code
        == "START_TIME_IS_BIGGER_THAN_ENTRY_END_TIME"
    )
    assert (
        _error(lambda: client.cuePoint.cuePoint.add(KalturaThumbCuePoint(entryId=ENTRY, startTime=-1))).code
        == "START_TIME_CANNOT_BE_LESS_THAN_0"
    )
    # JSON, as a customer's own tools read it: Kaltura's field names, nulls left out
    body = {"format": 1, "ks": client.getKs(), "id": chapter.id}
    got = httpx.post(f"{kit.url}/api_v3/service/cuepoint_cuepoint/action/get", json=body).json()
    assert got["objectType"] == "KalturaThumbCuePoint" and got["cuePointType"] == "thumbCuePoint.Thumb"
    assert {k: got[k] for k in ("entryId", "startTime", "title", "description", "subType", "status")} == {
        "entryId": ENTRY, "startTime": 1500, "title": "Intro", "description": "Opening words", "subType": 2, "status": 1,
    }  # fmt: skip
    assert got["isMomentary"] is False and "assetId" not in got
    # update completes it; delete hides it from get and list
    updated = client.cuePoint.cuePoint.update(chapter.id, KalturaThumbCuePoint(title="Welcome"))
    assert updated.title == "Welcome" and updated.description == "Opening words"
    client.cuePoint.cuePoint.delete(chapter.id)
    assert _error(lambda: client.cuePoint.cuePoint.get(chapter.id)).code == "INVALID_CUE_POINT_ID"
    assert chapter.id not in {c.id for c in _listed(client)}
    assert _error(lambda: client.cuePoint.cuePoint.delete(chapter.id)).code == "INVALID_CUE_POINT_ID"


def test_bulk_keeps_only_what_kalturas_thumb_parser_reads(kit: Kit) -> None:
    client = kit.with_key(8002)
    made = client.cuePoint.cuePoint.addFromBulk(
        named(_bulk(_scene("00:00:02.5", "Second", system_name="rf-bulk-1", tags=("a", "b"))), "c.xml")
    )
    [cue] = made.objects
    # ThumbCuePointPlugin::parseXml reads start, tags, entry and system name only: an untitled SLIDE, PENDING
    assert (cue.startTime, cue.tags, cue.systemName) == (2500, "a,b", "rf-bulk-1")
    assert not cue.title and not cue.description  # null (the XML element is empty)
    assert cue.subType.getValue() == KalturaThumbCuePointSubType.SLIDE and cue.status.getValue() == 4
    # the same system name again updates that cue point instead of making a second one
    again = client.cuePoint.cuePoint.addFromBulk(
        named(_bulk(_scene("00:00:03", "Second", system_name="rf-bulk-1")), "c.xml")
    )
    assert again.objects[0].id == cue.id and again.objects[0].startTime == 3000
    assert [c.id for c in _listed(client, systemNameEqual="rf-bulk-1")] == [cue.id]


def test_partly_failing_bulk_file_leaves_the_scenes_before_the_failure(kit: Kit) -> None:
    client = kit.with_key(8002)
    before = {c.id for c in _listed(client)}
    broken = _bulk(
        _scene("00:00:01", "One", system_name="rf-part-1"),
        _scene("00:00:02", "Two", system_name="rf-part-2"),
        _scene("00:00:03", "Three", entry="0_nosuch01", system_name="rf-part-3"),
        _scene("00:00:04", "Four", system_name="rf-part-4"),
    )
    error = _error(lambda: client.cuePoint.cuePoint.addFromBulk(named(broken, "c.xml")))
    assert error.code == "INVALID_ENTRY_ID"
    made = [c for c in _listed(client) if c.id not in before]
    assert sorted(c.systemName for c in made) == ["rf-part-1", "rf-part-2"]
    # a file that breaks the ingestion schema is refused whole
    no_title = _bulk(_scene("00:00:05", "Five").replace("<title>Five</title>", ""))
    assert _error(lambda: client.cuePoint.cuePoint.addFromBulk(named(no_title, "c.xml"))).code == "XML_INVALID"
    long_tag = _bulk(_scene("00:00:05", "Five", tags=("x" * 31,)))
    assert _error(lambda: client.cuePoint.cuePoint.addFromBulk(named(long_tag, "c.xml"))).code == "XML_INVALID"
    assert _error(lambda: client.cuePoint.cuePoint.addFromBulk(named(b"<scenes>", "c.xml"))).code == "XML_INVALID"
    assert len(_listed(client)) == len(before) + 2


def test_injected_fault_fails_a_bulk_after_some_scenes(kit: Kit) -> None:
    client = kit.with_key(8002)
    rule = kit.sandbox.faults.add(
        "kaltura_error", service="cuepoint_cuepoint", action="addFromBulk", after_items=1, first_n=1
    )
    try:
        two = _bulk(
            _scene("00:00:06", "Six", system_name="rf-fault-1"), _scene("00:00:07", "Seven", system_name="rf-fault-2")
        )
        assert (
            _error(lambda: client.cuePoint.cuePoint.addFromBulk(named(two, "c.xml"))).code == "INTERNAL_SERVERL_ERROR"
        )
    finally:
        kit.sandbox.faults.clear()
    assert rule.fired == 1
    assert [c.systemName for c in _listed(client, systemNameIn="rf-fault-1,rf-fault-2")] == ["rf-fault-1"]


def test_list_filters_by_type_tags_subtype_and_needs_an_entry(kit: Kit) -> None:
    client = kit.with_key(8002)
    for start, sub_type, tags in ((4_000, 2, "rf-list,chapter"), (4_500, 1, "rf-list"), (5_000, 2, "other")):
        client.cuePoint.cuePoint.add(
            KalturaThumbCuePoint(entryId=ENTRY, startTime=start, title="t", tags=tags, subType=sub_type)
        )
    by_tag = _listed(client, cuePointTypeEqual=KalturaCuePointType.THUMB, tagsMultiLikeAnd="rf-list")
    assert [c.startTime for c in by_tag] == [4_000, 4_500]
    assert [c.startTime for c in _listed(client, tagsMultiLikeAnd="rf-list,chapter")] == [4_000]
    assert [c.startTime for c in _listed(client, tagsLike="rf-li")] == [4_000, 4_500]
    assert _listed(client, cuePointTypeEqual=KalturaCuePointType.AD) == []
    chapters = client.cuePoint.cuePoint.list(
        KalturaThumbCuePointFilter(entryIdEqual=ENTRY, subTypeIn="2", startTimeGreaterThanOrEqual=4_000)
    ).objects
    assert [c.startTime for c in chapters] == [4_000, 5_000]
    newest_first = _listed(client, tagsLike="rf-li", orderBy="-startTime")
    assert [c.startTime for c in newest_first] == [4_500, 4_000]
    error = _error(lambda: client.cuePoint.cuePoint.list(KalturaCuePointFilter(tagsLike="rf-list")))
    assert error.code == "PROPERTY_VALIDATION_CANNOT_BE_NULL"

"""services/entries.py: baseEntry / media get, update, list, playback context and delivery URLs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import KalturaBaseEntry, KalturaMediaEntry, KalturaMultiLingualString

from tests.sandbox.conftest import CUSTOMER, Kit


def _tags(*pairs: tuple[str, str]) -> list[KalturaMultiLingualString]:
    return [KalturaMultiLingualString(language=language, value=value) for language, value in pairs]


def _read_multi(kit: Kit, entry_id: str) -> dict[str, Any]:
    """baseEntry.get with ``language=multi`` in JSON (format=1): the Python client has no reader for
    a multilingual array (it expects ``multiLingual_tags``; Kaltura sends the array as ``tags``)."""
    body = {"format": "1", "ks": kit.admin_ks(), "entryId": entry_id, "language": "multi"}
    return dict(httpx.post(kit.sandbox.url("/api_v3/service/baseentry/action/get"), json=body).json())


def test_multilingual_tags_are_written_with_language_multi_first_item_default(kit: Kit) -> None:
    vendor_side = kit.with_key(8001)  # the task's accessKey on 0_rfent001 (tags "lecture,week one")
    update = KalturaBaseEntry()
    update.multiLingual_tags = _tags(("es", "conferencia"))
    # the vendor guide's example without the request language: Kaltura refuses an array then
    with pytest.raises(KalturaException) as caught:
        vendor_side.baseEntry.update("0_rfent001", update)
    assert caught.value.code == "WRONG_REQUEST_LANGUAGE"
    vendor_side.setLanguage("ES")  # one language is not enough either
    with pytest.raises(KalturaException) as caught:
        vendor_side.baseEntry.update("0_rfent001", update)
    assert caught.value.code == "WRONG_REQUEST_LANGUAGE"
    assert caught.value.message == ' Language must be set to MULTI when adding MultiLingualString. Given ["ES"]'
    update.multiLingual_tags = _tags(("english", "x"))
    vendor_side.setLanguage("multi")
    with pytest.raises(KalturaException) as caught:
        vendor_side.baseEntry.update("0_rfent001", update)
    assert caught.value.code == "INVALID_LANGUAGE_CODE"

    # read first, append: the default language first (its value stays the plain tags), then Spanish
    before = kit.admin().baseEntry.get("0_rfent001")
    assert before.tags == "lecture,week one" and before.defaultLanguage == ""
    update.multiLingual_tags = _tags(("en", before.tags), ("es", "conferencia,semana uno"))
    vendor_side.media.update("0_rfent001", KalturaMediaEntry(multiLingual_tags=update.multiLingual_tags))
    admin = kit.admin()
    plain = admin.baseEntry.get("0_rfent001")
    assert (plain.tags, plain.defaultLanguage, plain.responseLanguage) == ("lecture,week one", "EN", "EN")
    admin.setLanguage("es")
    spanish = admin.baseEntry.get("0_rfent001")
    assert (spanish.tags, spanish.responseLanguage) == ("conferencia,semana uno", "ES")
    # multiLingualUtils::setRequestedLanguageStringInField: a mapped language shows '' where it has no value
    assert spanish.name == ""
    admin.setLanguage("fr")
    assert admin.baseEntry.get("0_rfent001").tags == "lecture,week one"  # an unmapped language: the default
    assert _read_multi(kit, "0_rfent001")["tags"] == [
        {"objectType": "KalturaMultiLingualString", "language": "EN", "value": "lecture,week one"},
        {"objectType": "KalturaMultiLingualString", "language": "ES", "value": "conferencia,semana uno"},
    ]
    # a language left out of the array is removed: append means sending what was read plus one more
    current = [(t["language"], t["value"]) for t in _read_multi(kit, "0_rfent001")["tags"]]
    update.multiLingual_tags = _tags(*current, ("fr", "cours"))
    vendor_side.baseEntry.update("0_rfent001", update)
    assert [t["language"] for t in _read_multi(kit, "0_rfent001")["tags"]] == ["EN", "ES", "FR"]
    update.multiLingual_tags = _tags(("en", "lecture,week one"), ("fr", "cours"))
    vendor_side.baseEntry.update("0_rfent001", update)
    assert [t["language"] for t in _read_multi(kit, "0_rfent001")["tags"]] == ["EN", "FR"]
    # a plain tags update still sets the default value only
    vendor_side.setLanguage("")
    vendor_side.baseEntry.update("0_rfent001", KalturaBaseEntry(tags="lecture,week one,intro"))
    admin.setLanguage("fr")
    assert admin.baseEntry.get("0_rfent001").tags == "cours"
    admin.setLanguage("")
    assert admin.baseEntry.get("0_rfent001").tags == "lecture,week one,intro"


def test_a_bad_request_language_is_refused_before_anything_else(kit: Kit) -> None:
    client = kit.admin(CUSTOMER)
    client.setLanguage("not a language")
    with pytest.raises(KalturaException) as caught:
        client.baseEntry.get("0_rfent001")
    assert caught.value.code == "INVALID_LANGUAGE_CODE"
    assert caught.value.message == ' Invalid language code ["not a language"]'


def test_count_is_the_lists_total(kit: Kit) -> None:
    from KalturaClient.Plugins.Core import KalturaBaseEntryFilter, KalturaMediaEntryFilter

    admin = kit.admin(CUSTOMER)
    assert admin.baseEntry.count() == admin.baseEntry.list().totalCount == 3
    assert admin.media.count(KalturaMediaEntryFilter(idIn="0_rfent001,0_rfent003")) == 2
    assert kit.with_key(8001).baseEntry.count(KalturaBaseEntryFilter()) == 1  # the accessKey sees its entry

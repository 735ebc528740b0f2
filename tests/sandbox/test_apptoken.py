"""services/apptoken.py: the vendor's sign-in (appToken.startSession) and the token reads."""

from __future__ import annotations

import hashlib
import time

import pytest
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import KalturaAppTokenFilter, KalturaAppTokenStatus, KalturaSessionType

from tests.sandbox.conftest import APP_TOKEN, APP_TOKEN_ID, APP_TOKENS, CUSTOMER, VENDOR, Kit


def _error(call) -> KalturaException:  # type: ignore[no-untyped-def]
    with pytest.raises(KalturaException) as caught:
        call()
    return caught.value


def test_an_upper_case_hex_hash_is_refused(kit: Kit) -> None:
    """AppToken::calcHash is PHP's hash() (lower-case hex), compared with !==."""
    client = kit.client()
    widget = client.session.startWidgetSession(f"_{VENDOR}").ks
    client.setKs(widget)
    good = hashlib.sha256((widget + APP_TOKEN).encode()).hexdigest()
    assert _error(lambda: client.appToken.startSession(APP_TOKEN_ID, good.upper())).code == "INVALID_APP_TOKEN_HASH"
    assert client.appToken.startSession(APP_TOKEN_ID, good, "", KalturaSessionType.ADMIN).ks


def test_get_and_list_tell_a_vendor_its_tokens_state(kit: Kit) -> None:
    vendor = kit.vendor()
    token = vendor.appToken.get(APP_TOKEN_ID)
    assert (token.id, token.status.getValue(), token.hashType.getValue(), token.partnerId) == (
        APP_TOKEN_ID, KalturaAppTokenStatus.ACTIVE, "SHA256", VENDOR)
    assert token.token == APP_TOKEN and token.description == "ReachFlow" and token.expiry is None
    expired = vendor.appToken.get("0_expired")
    assert expired.expiry < time.time()  # what a vendor checks at start-up
    listed = vendor.appToken.list()
    assert {t.id for t in listed.objects} == set(APP_TOKENS) and listed.totalCount == len(APP_TOKENS)
    active = vendor.appToken.list(KalturaAppTokenFilter(statusEqual=KalturaAppTokenStatus.DISABLED))
    assert [t.id for t in active.objects] == ["0_off"]
    assert _error(lambda: vendor.appToken.get("0_nosuch")).code == "APP_TOKEN_ID_NOT_FOUND"
    # another partner's token is not found; a widget or user session may not read tokens
    assert _error(lambda: kit.admin(CUSTOMER).appToken.get(APP_TOKEN_ID)).code == "APP_TOKEN_ID_NOT_FOUND"
    widget = kit.client(kit.client().session.startWidgetSession(f"_{VENDOR}").ks)
    assert _error(lambda: widget.appToken.list()).code == "SERVICE_FORBIDDEN"
    assert _error(lambda: kit.with_key(8001).appToken.get(APP_TOKEN_ID)).code == "SERVICE_FORBIDDEN"

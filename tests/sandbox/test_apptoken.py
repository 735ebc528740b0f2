"""services/apptoken.py: the vendor's sign-in (appToken.startSession) and the token reads."""

from __future__ import annotations

import hashlib
import time
from typing import Any

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
        APP_TOKEN_ID,
        KalturaAppTokenStatus.ACTIVE,
        "SHA256",
        VENDOR,
    )
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


def _widget_client(kit: Kit, partner_id: int = VENDOR) -> tuple[Any, str]:
    client = kit.client()
    widget_ks = client.session.startWidgetSession(f"_{partner_id}").ks
    client.setKs(widget_ks)
    return client, widget_ks


def test_app_token_sign_in_right_and_wrong_hash(kit: Kit) -> None:
    client = kit.client()
    widget = client.session.startWidgetSession(f"_{VENDOR}")
    client.setKs(widget.ks)
    good = hashlib.sha256((widget.ks + APP_TOKEN).encode()).hexdigest()
    info = client.appToken.startSession(APP_TOKEN_ID, good, "", KalturaSessionType.ADMIN, 3600)
    assert type(info).__name__ == "KalturaSessionInfo"
    assert info.partnerId == VENDOR and info.sessionType.getValue() == KalturaSessionType.ADMIN
    privileges = info.privileges.split(",")
    assert f"sessionid:{APP_TOKEN_ID}" in privileges and f"apptoken:{APP_TOKEN_ID}" in privileges
    assert "disableentitlement" in privileges
    assert abs(info.expiry - (time.time() + 3600)) < 5
    assert kit.client(info.ks).session.get().partnerId == VENDOR
    # SHA1 of the right inputs is the wrong hash for a SHA256 token; so is a hash over another KS
    sha1 = hashlib.sha1((widget.ks + APP_TOKEN).encode()).hexdigest()
    assert _error(lambda: client.appToken.startSession(APP_TOKEN_ID, sha1)).code == "INVALID_APP_TOKEN_HASH"
    other = hashlib.sha256((info.ks + APP_TOKEN).encode()).hexdigest()
    error = _error(lambda: client.appToken.startSession(APP_TOKEN_ID, other))
    assert error.code == "INVALID_APP_TOKEN_HASH" and error.message == "Invalid application token hash"
    assert _error(lambda: client.appToken.startSession("0_nosuch", good)).code == "APP_TOKEN_ID_NOT_FOUND"
    # without a KS there is nothing to hash against
    assert _error(lambda: kit.client().appToken.startSession(APP_TOKEN_ID, good)).code == "MISSING_KS"


def test_requested_reserved_privileges_are_dropped(kit: Kit) -> None:
    client = kit.client()
    widget = client.session.startWidgetSession(f"_{VENDOR}")
    client.setKs(widget.ks)
    token_hash = hashlib.sha256((widget.ks + APP_TOKEN).encode()).hexdigest()
    info = client.appToken.startSession(
        APP_TOKEN_ID, token_hash, "", KalturaSessionType.ADMIN, 600, "setrole:ADMIN,myprivilege:1"
    )
    privileges = info.privileges.split(",")
    assert "setrole:ADMIN" not in privileges and "myprivilege:1" in privileges
    assert info.privileges == f"sessionid:{APP_TOKEN_ID},apptoken:{APP_TOKEN_ID},disableentitlement,myprivilege:1"
    assert kit.client(info.ks).session.get().privileges == info.privileges


def test_a_token_without_hash_type_uses_sha1(kit: Kit) -> None:
    client, widget_ks = _widget_client(kit)
    sha256 = hashlib.sha256((widget_ks + APP_TOKENS["0_sha1"]).encode()).hexdigest()
    assert _error(lambda: client.appToken.startSession("0_sha1", sha256)).code == "INVALID_APP_TOKEN_HASH"
    sha1 = hashlib.sha1((widget_ks + APP_TOKENS["0_sha1"]).encode()).hexdigest()
    assert kit.client(client.appToken.startSession("0_sha1", sha1).ks).session.get().partnerId == VENDOR


@pytest.mark.parametrize(
    ("token_id", "code", "message"),
    [
        ("0_nosuch", "APP_TOKEN_ID_NOT_FOUND", 'Application token id "0_nosuch" not found'),
        ("0_off", "APP_TOKEN_NOT_ACTIVE", 'Application token id "0_off" is not active'),
        ("0_expired", "APP_TOKEN_EXPIRED", 'Application token id "0_expired" is expired'),
    ],
)
def test_app_token_errors(kit: Kit, token_id: str, code: str, message: str) -> None:
    client, widget_ks = _widget_client(kit)
    token_hash = hashlib.sha256((widget_ks + APP_TOKENS.get(token_id, "x")).encode()).hexdigest()
    error = _error(lambda: client.appToken.startSession(token_id, token_hash))
    assert (error.code, error.message) == (code, message)


def test_the_token_belongs_to_its_partner(kit: Kit) -> None:
    client, widget_ks = _widget_client(kit, CUSTOMER)
    token_hash = hashlib.sha256((widget_ks + APP_TOKEN).encode()).hexdigest()
    assert _error(lambda: client.appToken.startSession(APP_TOKEN_ID, token_hash)).code == "APP_TOKEN_ID_NOT_FOUND"


def test_token_settings_win_over_the_request(kit: Kit) -> None:
    client, widget_ks = _widget_client(kit)
    token_hash = hashlib.sha512((widget_ks + APP_TOKENS["0_user"]).encode()).hexdigest()
    info = client.appToken.startSession(
        "0_user",
        token_hash,
        "someone-else",
        KalturaSessionType.ADMIN,
        86400,
        "disableentitlement,privacycontext:x,setrole:ADMIN,list:*",
    )
    assert info.sessionType.getValue() == KalturaSessionType.USER
    assert info.userId == "vendor-bot"
    assert info.expiry <= time.time() + 600 + 2  # the token's sessionDuration caps the request
    # reserved privileges cannot be asked for; ordinary ones are appended
    assert info.privileges == "sessionid:0_user,apptoken:0_user,list:*"

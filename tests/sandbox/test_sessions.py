"""Sessions through the official client: session.start, startWidgetSession, appToken.startSession,
session.get, and how every api_v3 call validates its KS (reach-spec §1.8, §4.1, §6)."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest
from KalturaClient import KalturaClient
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import KalturaSessionType
from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter

from tests.sandbox.reach_fixtures import (
    APP_TOKENS, CUSTOMER_A, CUSTOMER_B, SECRETS, VENDOR, access_key, admin_ks, client, shared_sandbox, vendor_ks,
)


@pytest.fixture(scope="module")
def url() -> str:
    return shared_sandbox().base_url


def _error(call) -> KalturaException:  # type: ignore[no-untyped-def]
    with pytest.raises(KalturaException) as caught:
        call()
    return caught.value


# ------------------------------------------------------------------------------------------------
# session.start / session.get


def test_session_start_issues_a_v2_admin_ks_that_session_get_reads(url: str) -> None:
    ks = client(url).session.start(SECRETS[VENDOR], "vendor-user", KalturaSessionType.ADMIN, VENDOR, 3600,
                                   "disableentitlement")
    assert ks.startswith("djJ8")  # base64url of "v2|"
    info = client(url, ks).session.get()
    assert info.partnerId == VENDOR
    assert info.sessionType.getValue() == KalturaSessionType.ADMIN
    assert info.userId == "vendor-user"
    assert info.privileges == "disableentitlement"
    assert abs(info.expiry - (time.time() + 3600)) < 5


def test_a_v1_partner_gets_v1_sessions(url: str) -> None:
    ks = admin_ks(url, CUSTOMER_B)
    raw = base64.b64decode(ks + "=" * (-len(ks) % 4))
    signature, info = raw.split(b"|", 1)
    fields = info.decode().split(";")
    assert fields[0] == str(CUSTOMER_B) and fields[3] == "2" and fields[5] == "admin"
    assert signature.decode() == hashlib.sha1((SECRETS[CUSTOMER_B] + info.decode()).encode()).hexdigest()
    assert client(url, ks).session.get().partnerId == CUSTOMER_B


def test_session_start_rejects_a_wrong_secret_and_an_unknown_partner(url: str) -> None:
    c = client(url)
    error = _error(lambda: c.session.start("wrong", "", KalturaSessionType.ADMIN, VENDOR))
    assert error.code == "START_SESSION_ERROR"
    assert error.message == f"Error while starting session for partner [{VENDOR}]"
    assert _error(lambda: c.session.start("x", "", KalturaSessionType.ADMIN, 424242)).code == "START_SESSION_ERROR"


def test_the_user_secret_only_opens_user_sessions(url: str) -> None:
    c = client(url)
    ks = c.session.start("alpha-user-secret", "viewer", KalturaSessionType.USER, CUSTOMER_A)
    assert client(url, ks).session.get().sessionType.getValue() == KalturaSessionType.USER
    error = _error(lambda: c.session.start("alpha-user-secret", "", KalturaSessionType.ADMIN, CUSTOMER_A))
    assert error.code == "START_SESSION_ERROR"


def test_session_expiry_is_capped_at_the_partner_max(url: str) -> None:
    ks = client(url).session.start(SECRETS[VENDOR], "", KalturaSessionType.ADMIN, VENDOR, 10 * 86400)
    assert client(url, ks).session.get().expiry <= time.time() + 86400 + 2


# ------------------------------------------------------------------------------------------------
# startWidgetSession


def test_widget_session(url: str) -> None:
    response = client(url).session.startWidgetSession(f"_{VENDOR}", 600)
    assert type(response).__name__ == "KalturaStartWidgetSessionResponse"
    assert (response.partnerId, response.userId) == (VENDOR, "0")
    info = client(url, response.ks).session.get()
    assert info.sessionType.getValue() == KalturaSessionType.USER
    assert info.privileges == "view:*,widget:1"


@pytest.mark.parametrize("widget", ["_424242", "1_abcdef", "_"])
def test_unknown_widget(url: str, widget: str) -> None:
    error = _error(lambda: client(url).session.startWidgetSession(widget))
    assert error.code == "INVALID_WIDGET_ID"
    assert error.message == f"Unknown widget [{widget}]"


# ------------------------------------------------------------------------------------------------
# appToken.startSession


def _widget_client(url: str, partner_id: int = VENDOR) -> tuple[KalturaClient, str]:
    c = client(url)
    widget_ks = c.session.startWidgetSession(f"_{partner_id}").ks
    c.setKs(widget_ks)
    return c, widget_ks


def test_app_token_session_with_the_sha256_hash(url: str) -> None:
    c, widget_ks = _widget_client(url)
    token_hash = hashlib.sha256((widget_ks + APP_TOKENS["0_sha256"]).encode()).hexdigest()
    info = c.appToken.startSession("0_sha256", token_hash, "", KalturaSessionType.ADMIN, 3600)
    assert type(info).__name__ == "KalturaSessionInfo"
    assert info.partnerId == VENDOR
    assert info.sessionType.getValue() == KalturaSessionType.ADMIN
    assert info.privileges == "sessionid:0_sha256,apptoken:0_sha256,disableentitlement"
    assert abs(info.expiry - (time.time() + 3600)) < 5
    assert client(url, info.ks).session.get().privileges == info.privileges


def test_a_token_without_hash_type_uses_sha1(url: str) -> None:
    ks = vendor_ks(url, "0_sha1", "sha1")
    assert client(url, ks).session.get().partnerId == VENDOR
    c, widget_ks = _widget_client(url)
    sha256 = hashlib.sha256((widget_ks + APP_TOKENS["0_sha1"]).encode()).hexdigest()
    assert _error(lambda: c.appToken.startSession("0_sha1", sha256)).code == "INVALID_APP_TOKEN_HASH"


def test_a_wrong_hash_is_rejected(url: str) -> None:
    c, widget_ks = _widget_client(url)
    # the hash must cover *this* request's KS: a hash over another widget KS fails
    other = client(url).session.startWidgetSession(f"_{VENDOR}").ks
    token_hash = hashlib.sha256((other + APP_TOKENS["0_sha256"]).encode()).hexdigest()
    error = _error(lambda: c.appToken.startSession("0_sha256", token_hash))
    assert (error.code, error.message) == ("INVALID_APP_TOKEN_HASH", "Invalid application token hash")


@pytest.mark.parametrize(("token_id", "code", "message"), [
    ("0_nosuch", "APP_TOKEN_ID_NOT_FOUND", 'Application token id "0_nosuch" not found'),
    ("0_off", "APP_TOKEN_NOT_ACTIVE", 'Application token id "0_off" is not active'),
    ("0_expired", "APP_TOKEN_EXPIRED", 'Application token id "0_expired" is expired'),
])
def test_app_token_errors(url: str, token_id: str, code: str, message: str) -> None:
    c, widget_ks = _widget_client(url)
    token_hash = hashlib.sha256((widget_ks + APP_TOKENS.get(token_id, "x")).encode()).hexdigest()
    error = _error(lambda: c.appToken.startSession(token_id, token_hash))
    assert (error.code, error.message) == (code, message)


def test_the_token_belongs_to_its_partner(url: str) -> None:
    c, widget_ks = _widget_client(url, CUSTOMER_A)
    token_hash = hashlib.sha256((widget_ks + APP_TOKENS["0_sha256"]).encode()).hexdigest()
    assert _error(lambda: c.appToken.startSession("0_sha256", token_hash)).code == "APP_TOKEN_ID_NOT_FOUND"


def test_app_token_session_needs_a_ks(url: str) -> None:
    error = _error(lambda: client(url).appToken.startSession("0_sha256", "00"))
    assert (error.code, error.message) == ("MISSING_KS", "Missing KS, session not established")


def test_token_settings_win_over_the_request(url: str) -> None:
    c, widget_ks = _widget_client(url)
    token_hash = hashlib.sha512((widget_ks + APP_TOKENS["0_user"]).encode()).hexdigest()
    info = c.appToken.startSession("0_user", token_hash, "someone-else", KalturaSessionType.ADMIN, 86400,
                                   "disableentitlement,privacycontext:x,list:*")
    assert info.sessionType.getValue() == KalturaSessionType.USER
    assert info.userId == "vendor-bot"
    assert info.expiry <= time.time() + 600 + 2  # the token's sessionDuration caps the request
    # reserved privileges cannot be asked for; ordinary ones are appended
    assert info.privileges == "sessionid:0_user,apptoken:0_user,list:*"


# ------------------------------------------------------------------------------------------------
# KS validation on every call


def _jobs(url: str, ks: str | bytes) -> None:
    client(url, ks).reach.entryVendorTask.getJobs(KalturaEntryVendorTaskFilter())


def test_garbage_ks(url: str) -> None:
    error = _error(lambda: _jobs(url, "not-a-ks"))
    assert error.code == "INVALID_KS"
    assert error.message == 'Invalid KS "not-a-ks", Error "-1,INVALID_STR"'


def test_a_ks_signed_with_another_partners_secret(url: str) -> None:
    forged = KalturaClient.generateSessionV2(SECRETS[CUSTOMER_A], "", KalturaSessionType.ADMIN, VENDOR, 3600, "")
    error = _error(lambda: _jobs(url, forged))
    assert error.code == "INVALID_KS"
    assert error.message == f'Invalid KS "{forged.decode()}", Error "-1,INVALID_STR"'


def test_an_expired_ks(url: str) -> None:
    expired = KalturaClient.generateSessionV2(SECRETS[VENDOR], "", KalturaSessionType.ADMIN, VENDOR, -10, "")
    error = _error(lambda: _jobs(url, expired))
    assert (error.code, error.message) == ("INVALID_KS", 'Invalid KS "EXPIRED", Error "-1,INVALID_STR"')


def test_client_generated_sessions_of_both_versions_are_accepted(url: str) -> None:
    for ks in (KalturaClient.generateSession(SECRETS[VENDOR], "u", KalturaSessionType.ADMIN, VENDOR, 600),
               KalturaClient.generateSessionV2(SECRETS[VENDOR], "u", KalturaSessionType.ADMIN, VENDOR, 600, "a:b")):
        info = client(url, ks).session.get()
        assert (info.partnerId, info.userId) == (VENDOR, "u")


def test_an_access_key_does_not_open_another_entry(url: str) -> None:
    key = access_key(url, 3101)  # scoped to entry 0_a2
    c = client(url, key)
    assert c.baseEntry.get("0_a2").id == "0_a2"
    error = _error(lambda: c.baseEntry.get("0_a3"))
    assert (error.code, error.message) == ("ENTRY_ID_NOT_FOUND", 'Entry id "0_a3" not found')
    # nor another partner's entry
    assert _error(lambda: c.baseEntry.get("0_b1")).code == "ENTRY_ID_NOT_FOUND"


def test_the_access_key_is_the_customers_entry_scoped_user_ks(url: str) -> None:
    info = client(url, access_key(url, 3101)).session.get()
    assert info.partnerId == CUSTOMER_A
    assert info.sessionType.getValue() == KalturaSessionType.USER
    assert info.userId == ""
    # profile 401 does not auto-display machine captions, so the output must be moderated
    assert info.privileges == ("edit:0_a2,setrole:REACH_VENDOR_ROLE,disableentitlementforentry:0_a2,"
                               "sview:0_a2,download:0_a2,enablecaptionmoderation")
    # max(2 x 2 h, 7 days)
    assert abs(info.expiry - (time.time() + 7 * 86400)) < 600
    other = client(url, access_key(url, 3201)).session.get()
    assert "enablecaptionmoderation" not in other.privileges


def test_a_v1_customer_gets_a_v1_access_key(url: str) -> None:
    key = access_key(url, 3201)
    assert not key.startswith("djJ8")
    assert client(url, key).session.get().partnerId == CUSTOMER_B

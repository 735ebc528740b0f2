"""services/session.py and ks.py: session.start, KS v1/v2 (also minted by the client's own helpers),
expiry, foreign secrets, widget sessions, session.get, and how every call validates its KS."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest
from KalturaClient import KalturaClient
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import KalturaSessionType

from tests.sandbox.conftest import CUSTOMER, OTHER_CUSTOMER, OTHER_USER_SECRET, SECRETS, VENDOR, Kit


def _code(call) -> KalturaException:  # type: ignore[no-untyped-def]
    with pytest.raises(KalturaException) as caught:
        call()
    return caught.value


def test_session_start_with_the_right_and_a_wrong_secret(kit: Kit) -> None:
    ks = kit.client().session.start(
        SECRETS[CUSTOMER], "someone", KalturaSessionType.ADMIN, CUSTOMER, 3600, "disableentitlement"
    )
    info = kit.client(ks).session.get()
    assert info.partnerId == CUSTOMER and info.userId == "someone"
    assert info.sessionType.getValue() == KalturaSessionType.ADMIN
    assert "disableentitlement" in info.privileges.split(",")
    assert abs(info.expiry - (time.time() + 3600)) < 5
    error = _code(lambda: kit.client().session.start("not-the-secret", "x", KalturaSessionType.ADMIN, CUSTOMER))
    assert error.code == "START_SESSION_ERROR"
    assert error.message == f"Error while starting session for partner [{CUSTOMER}]"
    # another partner's secret does not open this partner
    error = _code(lambda: kit.client().session.start(SECRETS[OTHER_CUSTOMER], "", 2, CUSTOMER))
    assert error.code == "START_SESSION_ERROR"


def test_an_empty_secret_never_opens_a_session(kit: Kit) -> None:
    """The customer has no user secret: an empty secret must not match it (USER or ADMIN)."""
    for session_type in (KalturaSessionType.USER, KalturaSessionType.ADMIN):
        error = _code(lambda t=session_type: kit.client().session.start("", "", t, CUSTOMER))
        assert error.code == "START_SESSION_ERROR"


def test_ks_version_follows_the_partner(kit: Kit) -> None:
    v2 = kit.admin_ks(CUSTOMER)
    v1 = kit.admin_ks(OTHER_CUSTOMER)
    assert v2.startswith("djJ8")  # base64 of "v2|"
    assert not v1.startswith("djJ8")
    assert kit.client(v1).session.get().partnerId == OTHER_CUSTOMER


@pytest.mark.parametrize("version", [1, 2])
def test_client_generated_sessions_are_accepted(kit: Kit, version: int) -> None:
    generate = KalturaClient.generateSession if version == 1 else KalturaClient.generateSessionV2
    ks = generate(SECRETS[CUSTOMER], "gen-user", KalturaSessionType.ADMIN, CUSTOMER, 600, "disableentitlement")
    client = kit.client(ks)
    info = client.session.get()
    assert info.partnerId == CUSTOMER and info.userId == "gen-user"
    assert info.sessionType.getValue() == 2
    assert "disableentitlement" in info.privileges
    assert client.baseEntry.get("0_rfent001").id == "0_rfent001"


@pytest.mark.parametrize("version", [1, 2])
def test_expired_ks_is_invalid_ks_expired(kit: Kit, version: int) -> None:
    generate = KalturaClient.generateSession if version == 1 else KalturaClient.generateSessionV2
    ks = generate(SECRETS[CUSTOMER], "", KalturaSessionType.ADMIN, CUSTOMER, -10)
    error = _code(lambda: kit.client(ks).baseEntry.get("0_rfent001"))
    assert error.code == "INVALID_KS"
    assert error.message == 'Invalid KS "EXPIRED", Error "-1,INVALID_STR"'


@pytest.mark.parametrize("version", [1, 2])
def test_ks_signed_with_another_partners_secret(kit: Kit, version: int) -> None:
    generate = KalturaClient.generateSession if version == 1 else KalturaClient.generateSessionV2
    forged = generate(SECRETS[OTHER_CUSTOMER], "", KalturaSessionType.ADMIN, CUSTOMER, 600)
    forged = forged.decode() if isinstance(forged, bytes) else forged
    error = _code(lambda: kit.client(forged).baseEntry.get("0_rfent001"))
    assert error.code == "INVALID_KS"
    assert error.message == f'Invalid KS "{forged}", Error "-1,INVALID_STR"'


def test_garbage_ks(kit: Kit) -> None:
    error = _code(lambda: kit.client("not-a-ks").baseEntry.get("0_rfent001"))
    assert (error.code, error.message) == ("INVALID_KS", 'Invalid KS "not-a-ks", Error "-1,INVALID_STR"')


def test_a_ks_reaches_its_own_partner_only(kit: Kit) -> None:
    error = _code(lambda: kit.admin(OTHER_CUSTOMER).baseEntry.get("0_rfent001"))
    assert error.code == "ENTRY_ID_NOT_FOUND"
    assert error.message == 'Entry id "0_rfent001" not found'


def test_widget_session(kit: Kit) -> None:
    widget = kit.client().session.startWidgetSession(f"_{VENDOR}")
    assert type(widget).__name__ == "KalturaStartWidgetSessionResponse"
    assert widget.partnerId == VENDOR and widget.userId == "0"
    info = kit.client(widget.ks).session.get()
    assert info.sessionType.getValue() == KalturaSessionType.USER
    assert info.privileges == "view:*,widget:1"


@pytest.mark.parametrize("widget", ["_424242", "1_abcdef", "_"])
def test_unknown_widget(kit: Kit, widget: str) -> None:
    error = _code(lambda: kit.client().session.startWidgetSession(widget))
    assert (error.code, error.message) == ("INVALID_WIDGET_ID", f"Unknown widget [{widget}]")


def test_a_v1_ks_is_signed_with_the_admin_secret(kit: Kit) -> None:
    ks = kit.admin_ks(OTHER_CUSTOMER)
    raw = base64.b64decode(ks + "=" * (-len(ks) % 4))
    signature, info = raw.split(b"|", 1)
    fields = info.decode().split(";")
    assert fields[0] == str(OTHER_CUSTOMER) and fields[3] == "2" and fields[5] == "admin"
    assert signature.decode() == hashlib.sha1((SECRETS[OTHER_CUSTOMER] + info.decode()).encode()).hexdigest()


def test_the_user_secret_only_opens_user_sessions(kit: Kit) -> None:
    ks = kit.client().session.start(OTHER_USER_SECRET, "viewer", KalturaSessionType.USER, OTHER_CUSTOMER)
    assert kit.client(ks).session.get().sessionType.getValue() == KalturaSessionType.USER
    error = _code(lambda: kit.client().session.start(OTHER_USER_SECRET, "", KalturaSessionType.ADMIN, OTHER_CUSTOMER))
    assert error.code == "START_SESSION_ERROR"
    # an unknown partner
    assert _code(lambda: kit.client().session.start("x", "", 2, 424242)).code == "START_SESSION_ERROR"


def test_session_get_of_another_ks(kit: Kit) -> None:
    admin = kit.admin(CUSTOMER)
    other = kit.admin_ks(OTHER_CUSTOMER)
    info = admin.session.get(other)
    assert info.partnerId == OTHER_CUSTOMER and info.ks == other
    expired = KalturaClient.generateSessionV2(SECRETS[CUSTOMER], "", 2, CUSTOMER, -5).decode()
    assert _code(lambda: admin.session.get(expired)).code == "INVALID_KS"


def test_session_expiry_is_capped_at_the_partner_maximum(kit: Kit) -> None:
    ks = kit.client().session.start(SECRETS[CUSTOMER], "", KalturaSessionType.ADMIN, CUSTOMER, 10 * 86400)
    assert kit.client(ks).session.get().expiry <= time.time() + 86400 + 5

"""appToken (api_v3/services/AppTokenService.php): startSession, the vendor's sign-in, and the
reads a vendor makes at start-up (get, list: is my token active, when does it expire).

The caller first opens a widget session, then proves it holds the token:
``tokenHash = hex(HASH(widgetKs + token))`` with the token's ``hashType`` (SHA1 when unset),
compared as PHP's ``hash()`` writes it: lower-case hex (``$appTokenHash !== $tokenHash``).
get and list need an admin session (``APP_TOKEN_BASE`` / ``KMC_READ_ONLY`` in
service.appToken.ini): a widget or user KS gets ``SERVICE_FORBIDDEN``.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from kaltura_sandbox import ks as ks_module
from kaltura_sandbox.framework import CallContext, Session, action, as_int, kobj, raise_error
from kaltura_sandbox.services.session import issue_for_partner, max_expiry, session_info

ACTIVE, DELETED = 2, 3
RESERVED_PRIVILEGES = {
    "disableentitlement",
    "setrole",
    "privacycontext",
    "enablechangeaccount",
    "sessionid",
    "apptoken",
}


@action("apptoken", "startSession")
def start_session(
    ctx: CallContext,
    id: str,
    tokenHash: str,
    userId: str | None = None,
    type: str | None = None,
    expiry: str | None = None,
    sessionPrivileges: str | None = None,
) -> dict[str, Any]:
    session = ctx.require_session()
    token = ctx.store.get("app_tokens", id)
    if token is None or int(token["partnerId"]) != session.partner_id:
        raise_error("APP_TOKEN_ID_NOT_FOUND", ID=id)
    if int(token.get("status", ACTIVE)) != ACTIVE:
        raise_error("APP_TOKEN_NOT_ACTIVE", ID=id)
    # AppTokenService::startSessionAction checks, in this order: found, ACTIVE, hash, expiry.
    hash_type = str(token.get("hashType") or "SHA1").lower()
    try:
        hasher = hashlib.new(hash_type)
    except ValueError:
        hasher = hashlib.sha1()
    hasher.update((session.ks + token["_token"]).encode())
    if tokenHash != hasher.hexdigest():  # PHP's strict comparison: upper-case hex is another string
        raise_error("INVALID_APP_TOKEN_HASH")
    token_expiry = as_int(token.get("expiry"))
    if token_expiry and token_expiry - time.time() < 0:
        raise_error("APP_TOKEN_EXPIRED", ID=id)
    partner = ctx.store.get("partners", token["partnerId"])
    assert partner is not None
    # Token-side settings win over the request; the token's duration (default: the partner's
    # KS max expiry) and its own expiry cap the session.
    session_type = as_int(token.get("sessionType"))
    if session_type is None:
        session_type = as_int(type, 0) or 0
    user = token.get("sessionUserId") if token.get("sessionUserId") is not None else (userId or "")
    token_seconds = as_int(token.get("sessionDuration")) or max_expiry(partner)
    if token_expiry:
        token_seconds = min(token_seconds, int(token_expiry - time.time()))
    requested = as_int(expiry)
    seconds = token_seconds if not requested else min(requested, token_seconds)
    privileges = [f"sessionid:{id}", f"apptoken:{id}"]
    if token.get("sessionPrivileges"):
        privileges.append(str(token["sessionPrivileges"]))
    for item in (sessionPrivileges or "").split(","):
        name = item.strip().partition(":")[0]
        if name and name not in RESERVED_PRIVILEGES:
            privileges.append(item.strip())
    ks = issue_for_partner(
        partner, user=user, type_=session_type, expiry_seconds=seconds, privileges=",".join(privileges)
    )
    return session_info(ks_module.validate_ks(ctx.store, ks))


def _admin_session(ctx: CallContext) -> Session:
    session = ctx.require_session()
    if session.type != 2 or session.has("widget") or "setrole" in session.privileges:
        raise_error("SERVICE_FORBIDDEN", SERVICE=f"{ctx.service}->{ctx.action}")
    return session


def _public_token(token: dict[str, Any]) -> dict[str, Any]:
    """``KalturaAppToken``: the readonly ``token`` itself is part of the answer, as on kaltura.com."""
    public = {k: v for k, v in token.items() if not k.startswith("_")}
    public["token"] = token.get("_token")
    return public


@action("apptoken", "get")
def get(ctx: CallContext, id: str) -> dict[str, Any]:
    session = _admin_session(ctx)
    token = ctx.store.get("app_tokens", id)
    if token is None or int(token["partnerId"]) != session.partner_id or int(token.get("status") or 0) == DELETED:
        raise_error("APP_TOKEN_ID_NOT_FOUND", ID=id)
    assert token is not None
    return _public_token(token)


@action("apptoken", "list")
def list_tokens(
    ctx: CallContext, filter: dict[str, Any] | None = None, pager: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``KalturaAppTokenFilter``: idEqual/idIn, statusEqual/statusIn (DELETED only when asked for),
    sessionUserIdEqual, createdAt/updatedAt ranges."""
    session = _admin_session(ctx)
    f = filter or {}
    rows = [t for t in ctx.store.rows("app_tokens") if int(t["partnerId"]) == session.partner_id]

    def values(name: str) -> set[str]:
        return {v.strip() for v in str(f.get(name) or "").split(",") if v.strip()}

    if f.get("statusEqual") in (None, "") and not values("statusIn"):
        rows = [t for t in rows if int(t.get("status") or 0) != DELETED]
    checks = {
        "idEqual": lambda t, v: str(t["id"]) == v,
        "idIn": lambda t, v: str(t["id"]) in values("idIn"),
        "statusEqual": lambda t, v: str(t.get("status")) == v,
        "statusIn": lambda t, v: str(t.get("status")) in values("statusIn"),
        "sessionUserIdEqual": lambda t, v: str(t.get("sessionUserId") or "") == v,
        "createdAtGreaterThanOrEqual": lambda t, v: int(t["createdAt"]) >= int(v),
        "createdAtLessThanOrEqual": lambda t, v: int(t["createdAt"]) <= int(v),
        "updatedAtGreaterThanOrEqual": lambda t, v: int(t["updatedAt"]) >= int(v),
        "updatedAtLessThanOrEqual": lambda t, v: int(t["updatedAt"]) <= int(v),
    }
    for name, check in checks.items():
        if f.get(name) not in (None, ""):
            rows = [t for t in rows if check(t, str(f[name]))]
    rows.sort(key=lambda t: (int(t["createdAt"]), str(t["id"])))
    size = min(500, as_int((pager or {}).get("pageSize"), 30) or 30)
    index = max(1, as_int((pager or {}).get("pageIndex"), 1) or 1)
    page = rows[(index - 1) * size : index * size]
    return kobj("KalturaAppTokenListResponse", objects=[_public_token(t) for t in page], totalCount=len(rows))

"""appToken.startSession (api_v3/services/AppTokenService.php): the vendor's sign-in.

The caller first opens a widget session, then proves it holds the token:
``tokenHash = hex(HASH(widgetKs + token))`` with the token's ``hashType`` (SHA1 when unset).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from kaltura_sandbox import ks as ks_module
from kaltura_sandbox.framework import CallContext, action, as_int, raise_error
from kaltura_sandbox.services.session import issue_for_partner, max_expiry, session_info

ACTIVE = 2
RESERVED_PRIVILEGES = {"disableentitlement", "setrole", "privacycontext", "enablechangeaccount", "sessionid", "apptoken"}


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
    if tokenHash.lower() != hasher.hexdigest():
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
    ks = issue_for_partner(partner, user=user, type_=session_type, expiry_seconds=seconds,
                           privileges=",".join(privileges))
    return session_info(ks_module.validate_ks(ctx.store, ks))

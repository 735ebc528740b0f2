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
from kaltura_sandbox.services.session import issue_for_partner, session_info

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
    token_expiry = as_int(token.get("expiry"))
    if token_expiry and token_expiry <= time.time():
        raise_error("APP_TOKEN_EXPIRED", ID=id)
    hash_type = str(token.get("hashType") or "SHA1").lower()
    expected = hashlib.new(hash_type, (session.ks + token["_token"]).encode()).hexdigest()
    if tokenHash.lower() != expected:
        raise_error("INVALID_APP_TOKEN_HASH")
    partner = ctx.store.get("partners", token["partnerId"])
    assert partner is not None
    session_type = as_int(token.get("sessionType"))
    if session_type is None:
        session_type = as_int(type, 0) or 0
    user = token.get("sessionUserId") or userId or ""
    seconds = as_int(expiry, 86400) or 86400
    if token.get("sessionDuration"):
        seconds = min(seconds, int(token["sessionDuration"]))
    if token_expiry:
        seconds = min(seconds, max(1, int(token_expiry - time.time())))
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

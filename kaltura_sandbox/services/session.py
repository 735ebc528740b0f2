"""session.start / startWidgetSession / get (api_v3/services/SessionService.php)."""

from __future__ import annotations

from typing import Any

from kaltura_sandbox import ks as ks_module
from kaltura_sandbox.framework import CallContext, action, as_int, kobj, raise_error

DEFAULT_MAX_EXPIRY = 86400  # Partner::getKsMaxExpiryInSeconds default


def max_expiry(partner: dict[str, Any]) -> int:
    """The partner's KS max expiry in seconds (scenario ``ks_max_expiry_seconds``)."""
    return int(partner.get("_ks_max_expiry") or DEFAULT_MAX_EXPIRY)


def partner_or_none(ctx: CallContext, partner_id: Any) -> dict[str, Any] | None:
    pid = as_int(partner_id)
    return ctx.store.get("partners", pid) if pid is not None else None


def issue_for_partner(partner: dict[str, Any], **kwargs: Any) -> str:
    secret = str(partner["_admin_secret"]).split(",")[0]
    return ks_module.issue_ks(secret, int(partner["id"]), version=int(partner.get("_ks_version", 2)), **kwargs)


@action("session", "start", needs_ks=False)
def start(
    ctx: CallContext,
    secret: str,
    userId: str = "",
    type: str = "0",
    partnerId: str | None = None,
    expiry: str = "86400",
    privileges: str = "",
) -> str:
    partner = partner_or_none(ctx, partnerId)
    session_type = as_int(type, 0) or 0
    if partner is None:
        raise_error("START_SESSION_ERROR", PID=partnerId or "")
    admin_secrets = [s for s in str(partner["_admin_secret"]).split(",") if s]
    user_secret = str(partner.get("_secret") or "")
    # an empty secret never matches (a partner without a user secret has none to match)
    valid = bool(secret) and (
        secret in admin_secrets or (session_type == 0 and bool(user_secret) and secret == user_secret)
    )
    if not valid:
        raise_error("START_SESSION_ERROR", PID=partner["id"])
    # kSessionUtils::startKSession caps the expiry at the partner's KS max expiry
    seconds = min(as_int(expiry, 86400) or 86400, max_expiry(partner))
    return issue_for_partner(
        partner, user=userId or "", type_=session_type, expiry_seconds=seconds, privileges=privileges or ""
    )


@action("session", "startWidgetSession", needs_ks=False)
def start_widget_session(ctx: CallContext, widgetId: str, expiry: str = "86400") -> dict[str, Any]:
    partner_id = widgetId[1:] if widgetId.startswith("_") else None
    partner = partner_or_none(ctx, partner_id)
    if partner is None:
        raise_error("INVALID_WIDGET_ID", WIDGET_ID=widgetId)
    seconds = min(as_int(expiry, 86400) or 86400, max_expiry(partner))
    ks = issue_for_partner(partner, user="0", type_=0, expiry_seconds=seconds, privileges="view:*,widget:1")
    return kobj("KalturaStartWidgetSessionResponse", partnerId=int(partner["id"]), ks=ks, userId="0")


def session_info(session: Any) -> dict[str, Any]:
    return kobj(
        "KalturaSessionInfo",
        ks=session.ks,
        sessionType=session.type,
        partnerId=session.partner_id,
        userId=session.user,
        expiry=session.expiry,
        privileges=ks_module.privileges_to_text(session.privileges),
    )


@action("session", "get")
def get(ctx: CallContext, session: str | None = None) -> dict[str, Any]:
    if session:
        try:
            return session_info(ks_module.validate_ks(ctx.store, session))
        except ks_module.KSError as exc:
            raise_error(
                "INVALID_KS",
                KSID=session if exc.code == "INVALID_STR" else exc.code,
                ERR_CODE="-1",
                ERR_DESC="INVALID_STR",
            )
    return session_info(ctx.require_session())

"""Kaltura sessions (KS): issue and validate v1 and v2 sessions exactly as Kaltura does.

* v1: ``base64(sha1_hex(secret + info) + "|" + info)``, ``info`` = ``;``-joined
  partnerId, partnerId, expiry, type, rand, user, privileges, masterPartnerId, additionalData.
* v2: ``base64url(b"v2|<pid>|" + AES-128-CBC(sha1(secret)[:16], iv=0, sha1(p) + p + zero pad))``
  with ``p`` = 16 random bytes + urlencoded fields (``_e`` expiry, ``_t`` type, ``_u`` user, and one
  key per privilege).

Every KS is signed with the partner's admin secret. Validation failures carry Kaltura's ks error
names (INVALID_STR, EXPIRED, LOGOUT, ...), which the dispatcher turns into ``INVALID_KS``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import time
import urllib.parse
from dataclasses import dataclass

from Crypto.Cipher import AES

from kaltura_sandbox.framework import Session, Store

__all__ = ["KSError", "issue_ks", "parse_ks", "privileges_to_text", "revoke", "validate_ks"]

SESSION_USER = 0
SESSION_ADMIN = 2


class KSError(Exception):
    """A KS that Kaltura would reject; ``code`` is the ks error name (e.g. ``EXPIRED``)."""

    def __init__(self, code: str, ks: str) -> None:
        super().__init__(code)
        self.code = code
        self.ks = ks


def privileges_to_text(privileges: dict[str, str]) -> str:
    """``{"edit": "0_x", "disableentitlement": ""}`` -> ``"edit:0_x,disableentitlement"``."""
    return ",".join(f"{k}:{v}" if v else k for k, v in privileges.items())


def _parse_privileges(text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in (p.strip() for p in (text or "").split(",")):
        if not item:
            continue
        name, _, value = item.partition(":")
        result[name] = value
    return result


def issue_ks(
    secret: str,
    partner_id: int,
    *,
    user: str = "",
    type_: int = SESSION_USER,
    expiry_seconds: int = 86400,
    privileges: str = "",
    version: int = 2,
    now: float | None = None,
) -> str:
    """A KS for ``partner_id`` signed with ``secret`` (the partner's admin secret).

    Args:
        secret: the partner's admin secret (v1: SHA1 signature key; v2: AES key source).
        partner_id: the partner the session belongs to.
        user: the user id (``""`` = anonymous).
        type_: 0 USER or 2 ADMIN.
        expiry_seconds: lifetime from ``now`` (negative values give an already expired KS).
        privileges: comma-separated ``name[:value]`` list, e.g. ``"edit:0_x,setrole:REACH_VENDOR_ROLE"``.
        version: 1 (``base64(sha1|info)``) or 2 (``v2|pid|AES``), per the partner's setting.
        now: the issuing moment (default: now).

    Returns:
        The KS string (v2 starts with ``djJ8``).
    """
    expiry = int(now if now is not None else time.time()) + int(expiry_seconds)
    if version == 1:
        rand = str(random.randint(0, 2**31))
        info = ";".join([str(partner_id), str(partner_id), str(expiry), str(type_), rand, user, privileges, "", ""])
        signature = hashlib.sha1((secret + info).encode()).hexdigest()
        return base64.b64encode(f"{signature}|{info}".encode()).decode()
    fields: dict[str, str] = {}
    for name, value in _parse_privileges(privileges).items():
        if name == "*":
            name, value = "all", "*"
        fields[name] = value
    fields.update({"_e": str(expiry), "_t": str(type_), "_u": user})
    plain = os.urandom(16) + urllib.parse.urlencode(fields).encode()
    plain = hashlib.sha1(plain).digest() + plain
    plain += b"\0" * (-len(plain) % 16)
    key = hashlib.sha1(secret.encode()).digest()[:16]
    encrypted = AES.new(key, AES.MODE_CBC, b"\0" * 16).encrypt(plain)
    return base64.urlsafe_b64encode(b"v2|%d|" % partner_id + encrypted).decode()


@dataclass(frozen=True)
class ParsedKS:
    partner_id: int
    expiry: int
    type: int
    user: str
    privileges: dict[str, str]


def _b64decode(ks: str) -> bytes:
    text = ks.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4))


def partner_of(ks: str) -> int | None:
    """The partner id a KS claims (before its signature is checked), or None when unreadable."""
    try:
        raw = _b64decode(ks)
    except (ValueError, TypeError):
        return None
    try:
        if raw[:3] == b"v2|":
            return int(raw.split(b"|", 2)[1])
        info = raw.split(b"|", 1)[1].decode()
        return int(info.split(";")[0])
    except (IndexError, ValueError, UnicodeDecodeError):
        return None


def parse_ks(ks: str, secrets: list[str]) -> ParsedKS:
    """Decrypt (v2) or verify (v1) ``ks`` with any of ``secrets``.

    Args:
        ks: the KS string.
        secrets: the admin secrets of the partner the KS claims.

    Returns:
        Its fields (expiry is not checked here).

    Raises:
        KSError: ``INVALID_STR`` when the KS cannot be read or no secret matches.
    """
    try:
        raw = _b64decode(ks)
    except (ValueError, TypeError) as exc:
        raise KSError("INVALID_STR", ks) from exc
    if raw[:3] == b"v2|":
        try:
            _, pid, encrypted = raw.split(b"|", 2)
        except ValueError as exc:
            raise KSError("INVALID_STR", ks) from exc
        if len(encrypted) % 16:
            raise KSError("INVALID_STR", ks)
        for secret in secrets:
            key = hashlib.sha1(secret.encode()).digest()[:16]
            plain = AES.new(key, AES.MODE_CBC, b"\0" * 16).decrypt(encrypted).rstrip(b"\0")
            if len(plain) > 36 and hashlib.sha1(plain[20:]).digest() == plain[:20]:
                fields = dict(urllib.parse.parse_qsl(plain[36:].decode(errors="replace"), keep_blank_values=True))
                privileges = {k: v for k, v in fields.items() if k not in ("_e", "_t", "_u", "_m", "_d")}
                if privileges.get("all") == "*":
                    privileges.pop("all")
                    privileges["*"] = ""
                return ParsedKS(
                    partner_id=int(pid),
                    expiry=int(fields.get("_e", "0")),
                    type=int(fields.get("_t", "0")),
                    user=fields.get("_u", ""),
                    privileges=privileges,
                )
        raise KSError("INVALID_STR", ks)
    try:
        signature, info_bytes = raw.split(b"|", 1)
        info = info_bytes.decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise KSError("INVALID_STR", ks) from exc
    for secret in secrets:
        if hashlib.sha1((secret + info).encode()).hexdigest().encode() == signature:
            parts = info.split(";")
            if len(parts) < 4:
                raise KSError("INVALID_STR", ks)
            return ParsedKS(
                partner_id=int(parts[0]),
                expiry=int(parts[2]),
                type=int(parts[3]),
                user=parts[5] if len(parts) > 5 else "",
                privileges=_parse_privileges(parts[6] if len(parts) > 6 else ""),
            )
    raise KSError("INVALID_STR", ks)


def revoke(store: Store, ks: str) -> None:
    """Kill a KS (Kaltura's invalidation list, e.g. a task's accessKey on READY): later use gives LOGOUT."""
    with store.lock:
        store.extra.setdefault("revoked_ks", set()).add(ks)


def validate_ks(store: Store, ks: str, now: float | None = None) -> Session:
    """The session of a KS, checked as ``kSessionBase::tryToValidateKS`` does.

    Args:
        store: the sandbox state (partners, the kill list, early expiries from faults).
        ks: the KS string.
        now: the moment to check expiry at (default: now).

    Returns:
        The validated session.

    Raises:
        KSError: ``INVALID_STR`` (unreadable, bad signature), ``INVALID_PARTNER`` (unknown
            partner), ``EXPIRED`` (``valid_until <= now``, or expired early by a fault), ``LOGOUT``
            (killed).
    """
    partner_id = partner_of(ks)
    if partner_id is None:
        raise KSError("INVALID_STR", ks)
    partner = store.get("partners", partner_id)
    if partner is None:
        raise KSError("INVALID_PARTNER", ks)
    secrets = [s for s in str(partner.get("_admin_secret", "")).split(",") if s]
    parsed = parse_ks(ks, secrets)
    moment = now if now is not None else time.time()
    early = store.extra.get("early_expiry", {}).get(ks)
    if parsed.expiry <= moment or (early is not None and early <= moment):
        raise KSError("EXPIRED", ks)
    if ks in store.extra.get("revoked_ks", set()):
        raise KSError("LOGOUT", ks)
    return Session(
        ks=ks,
        partner_id=parsed.partner_id,
        type=parsed.type,
        user=parsed.user,
        expiry=parsed.expiry,
        privileges=parsed.privileges,
    )

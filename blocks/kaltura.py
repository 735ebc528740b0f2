"""The vendor's Kaltura account: credentials as Prefect block fields, and the clients they build."""

from __future__ import annotations

import ipaddress
from typing import Any, Literal
from urllib.parse import urlparse

from prefect.blocks.core import Block
from pydantic import Field, SecretStr, field_validator, model_validator

from reachflow.errors import register_secret

__all__ = ["KalturaVendorAccount"]

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class KalturaVendorAccount(Block):
    """A REACH vendor's Kaltura account (partner, app token or admin secret, service URL).

    Secrets are ``SecretStr`` fields: Prefect stores them encrypted and never prints them.

    Example:
        >>> account = KalturaVendorAccount.load("reachflow-vendor")  # doctest: +SKIP
        >>> client = account.new_client()                              # doctest: +SKIP
    """

    _block_type_name = "Kaltura Vendor Account"
    _description = "Credentials of a Kaltura REACH vendor partner, used to take and deliver REACH jobs."

    service_url: str = Field(
        default="https://www.kaltura.com",
        description="Kaltura API base URL (HTTPS; plain HTTP only on loopback, e.g. the sandbox).",
    )
    vendor_partner_id: int = Field(description="The vendor's Kaltura partner id.")
    vendor_name: str = Field(
        default="reachflow", description="Vendor name used in the clientTag (<default>_vendorName-partnerId)."
    )
    app_token_id: str | None = Field(default=None, description="App token id (preferred way to sign in).")
    app_token: SecretStr | None = Field(default=None, description="App token value.")
    app_token_hash_type: Literal["MD5", "SHA1", "SHA256", "SHA512"] = Field(
        default="SHA256", description="The app token's hashType."
    )
    admin_secret: SecretStr | None = Field(
        default=None, description="Vendor admin secret (alternative to an app token)."
    )
    processing_region: int | None = Field(
        default=None, description="KalturaVendorTaskProcessingRegion this installation serves (1 US, 2 EU, 3 CA)."
    )
    request_timeout_seconds: int = Field(default=60, ge=1, le=600, description="Timeout of one API call.")
    ks_expiry_seconds: int = Field(default=86400, ge=300, description="Lifetime asked for the vendor KS.")
    ks_renew_margin_seconds: int = Field(
        default=600, ge=10, description="Renew the vendor KS this long before it expires."
    )

    @field_validator("service_url")
    @classmethod
    def _https_unless_loopback(cls, value: str) -> str:
        url = urlparse(value)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError("service_url must be an http(s) URL")
        if url.scheme != "https" and not _is_loopback(url.hostname):
            raise ValueError("service_url must use HTTPS (plain HTTP is allowed only on loopback)")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> KalturaVendorAccount:
        has_token = bool(self.app_token_id and self.app_token and self.app_token.get_secret_value())
        has_secret = bool(self.admin_secret and self.admin_secret.get_secret_value())
        if not (has_token or has_secret):
            raise ValueError("give an app token (app_token_id + app_token) or an admin_secret")
        for secret in (self.app_token, self.admin_secret):
            register_secret(secret.get_secret_value() if secret else None)
        return self

    def new_client(self) -> Any:
        """A fresh KalturaClient for this account's service URL (no KS set)."""
        from KalturaClient import KalturaClient, KalturaConfiguration

        config = KalturaConfiguration(self.service_url)
        config.requestTimeout = self.request_timeout_seconds
        return KalturaClient(config)

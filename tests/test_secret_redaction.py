"""The secret guard: no secret shape survives ``redact`` / ``one_line``, ordinary text does.

Secrets are made the way they exist in production: KS v1 and v2 by the official client's own
helpers, app tokens and admin secrets as Kaltura issues them (32 hex characters), accessKeys
(a KS), caption tokens (random URL-safe text of at least 128 bits).
"""

from __future__ import annotations

import secrets

import pytest
from KalturaClient import KalturaClient

from reachflow.errors import MAX_ERR_DESCRIPTION, one_line, redact, register_secret

ADMIN_SECRET = "5c1f2e3d4b5a69788796a5b4c3d2e1f0"
APP_TOKEN = "0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"


def _ks_v1() -> str:
    return str(KalturaClient.generateSession(ADMIN_SECRET, "vendor", 2, 9000, 86400, "disableentitlement"))


def _ks_v2() -> str:
    return str(KalturaClient.generateSessionV2(ADMIN_SECRET, "vendor", 2, 9000, 86400, "disableentitlement"))


SHAPES = {
    "KS v1": _ks_v1,
    "KS v2": _ks_v2,
    "accessKey (a KS v2 with privileges)": lambda: str(
        KalturaClient.generateSessionV2(ADMIN_SECRET, "", 0, 2001, 604800, "edit:0_abc,enableentitlement")
    ),
    "admin secret": lambda: ADMIN_SECRET,
    "app token": lambda: APP_TOKEN,
    "app token hash (sha256 hex)": lambda: secrets.token_hex(32),
}

CONTEXTS = [
    "{s}",
    "request failed: ks={s}",
    "https://host/api_v3/service/captionasset/action/serve/ks/{s}/captionAssetId/0_x",
    '{{"ks": "{s}", "id": 1}}',
    'Invalid KS "{s}" Error: EXPIRED',
    "secret: {s}",
    "the hash {s} did not match",
]


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("shape", list(SHAPES))
def test_no_secret_shape_survives(shape: str, context: str) -> None:
    secret = SHAPES[shape]()
    text = context.format(s=secret)
    for guarded in (redact(text), one_line(text)):
        assert secret not in guarded
        assert secret[:16] not in guarded
        assert "[redacted]" in guarded


def test_caption_token_registered_by_value_is_redacted_anywhere() -> None:
    token = secrets.token_urlsafe(16)  # 22 characters, 128 bits: too short for the shape rules
    register_secret(token)
    text = f"websocket wss://live.vendor.example/captions/{token} closed (1006)"
    assert token not in redact(text)
    assert "wss://live.vendor.example/captions/" in redact(text)


def test_short_values_are_not_registered_so_ordinary_words_survive() -> None:
    register_secret("entry")
    register_secret("")
    register_secret(None)
    assert redact("entry 0_abc has no audio track") == "entry 0_abc has no audio track"


@pytest.mark.parametrize(
    "text",
    [
        "media has no audio track",
        "spoken language is French, ordered English",
        "no usable flavor: 0_fl01 undecodable, 0_fl02 has no audio track",
        "flow run 6f1c2a4e-9b3d-4c2a-8e1f-0a9b8c7d6e5f crashed",
        "task 5001 of partner 2001: caption asset 0_ca000006 READY, accuracy 97",
        "no machine translation engine for English→German",
    ],
)
def test_ordinary_messages_pass_unchanged(text: str) -> None:
    assert redact(text) == text
    assert one_line(text) == text


def test_one_line_flattens_and_bounds_the_description() -> None:
    text = "first line\n\tsecond   line\r\n" + "word " * 200
    line = one_line(text)
    assert "\n" not in line and "\t" not in line and "  " not in line
    assert len(line) <= MAX_ERR_DESCRIPTION
    assert line.startswith("first line second line word")
    assert line.endswith("…")


def test_a_secret_cut_by_the_length_limit_leaves_no_prefix() -> None:
    ks = _ks_v2()
    line = one_line("x" * (MAX_ERR_DESCRIPTION - 30) + " ks=" + ks)
    assert ks[:12] not in line

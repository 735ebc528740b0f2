"""system: ping (the health check every Kaltura client can call), getTime and getVersion."""

from __future__ import annotations

import time

from kaltura_sandbox.framework import CallContext, action

# VERSION.txt of the kaltura/server snapshot the sandbox follows (reach-spec.md §0)
SERVER_VERSION = "Venus-22.19.0"


@action("system", "ping", needs_ks=False)
def ping(ctx: CallContext) -> bool:
    return True


@action("system", "getTime", needs_ks=False)
def get_time(ctx: CallContext) -> int:
    """SystemService::getTimeAction: the server's clock (vendors compare it with their own)."""
    return int(time.time())


@action("system", "getVersion", needs_ks=False)
def get_version(ctx: CallContext) -> str:
    return SERVER_VERSION

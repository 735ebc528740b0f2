"""system.ping: the health check every Kaltura client can call."""

from __future__ import annotations

from kaltura_sandbox.framework import CallContext, action


@action("system", "ping", needs_ks=False)
def ping(ctx: CallContext) -> bool:
    return True

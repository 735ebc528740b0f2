"""Every api_v3 service the sandbox serves. Importing this package registers their actions."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from kaltura_sandbox.services import apptoken, reach, session, system

MODULES: list[ModuleType] = [system, session, apptoken, reach]

try:  # media, entries and asset services (optional while they are being built)
    from kaltura_sandbox.services import assets, entries, upload

    MODULES += [entries, upload, assets]
except ImportError:  # pragma: no cover
    pass


def register_all_routes(app: Any, store: Any) -> None:
    """Let each service module add its non-api_v3 routes (playManifest, downloads, ...)."""
    for module in MODULES:
        register = getattr(module, "register_routes", None)
        if register is not None:
            register(app, store)

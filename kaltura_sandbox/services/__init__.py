"""Every api_v3 service the sandbox serves. Importing this package registers their actions.

Add one import line per service module. ``app.create_app`` then calls ``register_routes(app,
store)`` of every imported module that has one (non-api_v3 routes: playManifest, downloads...).
"""

from __future__ import annotations

from kaltura_sandbox.services import (  # noqa: F401
    apptoken,
    assets,
    entries,
    reach,
    session,
    system,
    upload,
)


def register_all_routes(app: object, store: object) -> None:
    """Kept for callers of the first version: the app factory does this itself now."""
    from kaltura_sandbox.app import _register_module_routes

    _register_module_routes(app, store)  # type: ignore[arg-type]

"""What the sandbox serves, read from its own registry and routes (``reachflow sandbox routes``).

Everything else under ``/api_v3`` is answered with Kaltura's own errors: an unknown service is
``SERVICE_DOES_NOT_EXISTS``, an unknown action of a served service ``ACTION_DOES_NOT_EXISTS``.
Importing this module is cheap; the service modules are loaded when a function is called.
"""

from __future__ import annotations

__all__ = ["print_routes", "routes_text", "served_actions", "served_paths"]


def served_actions() -> dict[str, list[str]]:
    """Every api_v3 action the sandbox serves, by service id (both sorted, actions as Kaltura spells them).

    Returns:
        e.g. ``{"apptoken": ["get", "list", "startSession"], "baseentry": [...], ...}``.
    """
    import kaltura_sandbox.services  # noqa: F401  (registers every action)
    from kaltura_sandbox.framework import ACTIONS

    actions: dict[str, list[str]] = {}
    for (service, _), spec in ACTIONS.items():
        actions.setdefault(service, []).append(spec.action)
    return {service: sorted(names, key=str.lower) for service, names in sorted(actions.items())}


def served_paths() -> list[str]:
    """The HTTP routes besides ``/api_v3`` (playManifest, downloads...), as ``"GET /p/{pid}/..."``."""
    from kaltura_sandbox.app import create_app
    from kaltura_sandbox.framework import Store

    app = create_app(Store())
    paths = []
    for route in app.routes:
        methods = sorted(getattr(route, "methods", None) or [])
        path = str(getattr(route, "path", ""))
        if methods and path and not path.startswith("/api_v3"):
            paths.append(f"{','.join(methods)} {path}")
    return sorted(paths)


def routes_text() -> str:
    """A plain-text page: the api_v3 services and actions, the other URLs, and what else answers."""
    lines = ["api_v3 (POST or GET /api_v3/service/<service>/action/<action>; formats 1 JSON, 2 XML, 3 PHP):"]
    for service, actions in served_actions().items():
        lines.append(f"  {service}: {', '.join(actions)}")
    lines.append("  multirequest: /api_v3/service/multirequest (references {N:result:path}, _all)")
    lines.append("other routes:")
    lines.extend(f"  {path}" for path in served_paths())
    lines.append("anything else: SERVICE_DOES_NOT_EXISTS / ACTION_DOES_NOT_EXISTS, as Kaltura answers")
    return "\n".join(lines)


def print_routes() -> None:
    """Print the api_v3 services and actions the sandbox serves, and its other URLs."""
    print(routes_text())

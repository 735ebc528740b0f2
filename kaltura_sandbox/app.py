"""The sandbox's HTTP face: Kaltura's api_v3 URLs, request decoding and response envelopes.

Kaltura accepts parameters from the JSON body, the multipart ``json`` field and file parts, form
fields, the query string and ``/key/value`` pairs in the path, merged with URL parameters winning
(``infraRequestUtils::getRequestParams``). Service and action names are case-insensitive. Every
answer is HTTP 200 with the envelope, API errors included; only injected faults answer otherwise.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
import sys
import time
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import Response

from kaltura_sandbox import ks as ks_module
from kaltura_sandbox.faults import FaultPlan
from kaltura_sandbox.framework import (
    ActionSpec,
    CallContext,
    KalturaAPIError,
    RawResponse,
    Store,
    UploadedFile,
    find_action,
    raise_error,
    request_language,
    with_relative_times,
)
from kaltura_sandbox.profiles import apply_response_profile, resolve_response_profile
from kaltura_sandbox.serialize import to_json, to_php, to_xml, xml_envelope

__all__ = ["create_app", "decode_params", "dispatch"]

log = logging.getLogger("kaltura_sandbox")
_REFERENCE = re.compile(r"^\{(\d+):result(?::([^}]*))?\}$")
_REFERENCE_INLINE = re.compile(r"\{(\d+):result(?::([^}]*))?\}")
_CONTROL_PARAMS = {"clientTag", "apiVersion", "format", "kalsig", "ignoreNull", "service", "action"}


# ---------------------------------------------------------------------------------------------
# Request decoding


def _set_path(target: dict[str, Any], path: list[str], value: Any) -> None:
    node = target
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = value


def unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """``a[b][c]=v`` and ``a:b:c=v`` (Kaltura's two flat notations) into nested dicts."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        if "[" in key:
            head, _, rest = key.partition("[")
            path = [head, *[p for p in rest.rstrip("]").split("][")]]
        elif ":" in key and not key.startswith("{"):
            path = key.split(":")
        else:
            path = [key]
        _set_path(nested, path, value)
    return nested


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = value
    return result


def _normalise(value: Any, top: bool = True) -> Any:
    """Apply Kaltura's deserializer conventions: ``x__null`` clears x, ``{"-": ""}`` is [].

    Dicts keyed ``"0"``, ``"1"``, ... that hold objects are arrays sent in form/query notation
    (``objects[0][id]=...``); the top level is never one (multirequest keys are calls there).
    """
    if isinstance(value, dict):
        if set(value) == {"-"}:
            return []
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key.endswith("__null"):
                out[key[: -len("__null")]] = None
            elif key not in out:
                out[key] = _normalise(item, top=False)
        if not top and out and all(k.isdigit() for k in out) and any(isinstance(v, dict) for v in out.values()):
            return [out[k] for k in sorted(out, key=int)]
        return out
    if isinstance(value, list):
        return [_normalise(v, top=False) for v in value]
    return value


def _path_params(path: str) -> tuple[str | None, str | None, dict[str, str]]:
    """service, action and /key/value pairs from an api_v3 path."""
    parts = [p for p in path.split("/") if p and p != "index.php"]
    if parts and parts[0] == "api_v3":
        parts = parts[1:]
    params: dict[str, str] = {}
    service = action = None
    i = 0
    while i + 1 < len(parts):
        key, value = parts[i], parts[i + 1]
        if key == "service":
            service = value
        elif key == "action":
            action = value
        else:
            params[key] = value
        i += 2
    if len(parts) == 2 and parts[0] == "service":
        service = parts[1]
    if len(parts) % 2 == 1 and parts and parts[-1] == "multirequest":
        service = "multirequest"
    return service, action, params


async def decode_params(request: Request) -> tuple[str | None, str | None, dict[str, Any]]:
    """Every parameter of a request, merged the way Kaltura merges them."""
    service, action, path_params = _path_params(request.url.path)
    body: dict[str, Any] = {}
    content_type = request.headers.get("content-type", "")
    if request.method == "POST":
        if "application/json" in content_type:
            raw = await request.body()
            if raw.strip():
                try:
                    parsed = json.loads(raw)
                except json.JSONDecodeError:
                    parsed = {}
                body = parsed if isinstance(parsed, dict) else {}
        elif "multipart/form-data" in content_type:
            form = await request.form()
            fields: dict[str, Any] = {}
            for key, value in form.multi_items():
                if hasattr(value, "read"):
                    data = await value.read()
                    fields[key] = UploadedFile(
                        filename=value.filename or key,
                        content_type=value.content_type or "application/octet-stream",
                        data=data,
                    )
                elif key == "json":
                    try:
                        loaded = json.loads(value)
                        if isinstance(loaded, dict):
                            body = _merge(body, loaded)
                    except json.JSONDecodeError:
                        pass
                else:
                    fields[key] = value
            body = _merge(body, unflatten({k: v for k, v in fields.items() if not isinstance(v, UploadedFile)}))
            for key, value in fields.items():
                if isinstance(value, UploadedFile):
                    # in a multirequest the client names file parts "<index>:<param>"
                    _set_path(body, key.split(":") if ":" in key else [key], value)
        elif "application/x-www-form-urlencoded" in content_type:
            raw = (await request.body()).decode(errors="replace")
            body = unflatten(dict(parse_qsl(raw, keep_blank_values=True)))
    query = unflatten(dict(request.query_params))
    params = _normalise(_merge(_merge(body, query), unflatten(path_params)))
    service = service or params.get("service")
    action = action or params.get("action")
    return service, action, params


# ---------------------------------------------------------------------------------------------
# Dispatch


def _session_for(store: Store, ks: str | None) -> tuple[Any, KalturaAPIError | None]:
    if not ks:
        return None, None
    try:
        return ks_module.validate_ks(store, ks), None
    except ks_module.KSError as exc:
        # A KS that cannot be cracked (bad string, signature, unknown partner) is rejected by
        # kCurrentContext::initKsPartnerUser with the KS itself as KSID; a cracked KS that is not
        # valid (EXPIRED, LOGOUT, ...) is rejected by kPermissionManager with the ks error name.
        ksid = ks if exc.code in ("INVALID_STR", "INVALID_PARTNER") else exc.code
        try:
            raise_error("INVALID_KS", KSID=ksid, ERR_CODE="-1", ERR_DESC="INVALID_STR")
        except KalturaAPIError as error:
            return None, error
    return None, None


def _call(spec: ActionSpec, ctx: CallContext, params: dict[str, Any]) -> Any:
    signature = inspect.signature(spec.fn)
    kwargs: dict[str, Any] = {}
    for name, parameter in list(signature.parameters.items())[1:]:
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        if name in params:
            kwargs[name] = params[name]
        elif parameter.default is inspect.Parameter.empty:
            raise_error("MISSING_MANDATORY_PARAMETER", PARAM_NAME=name)
    return spec.fn(ctx, **kwargs)


def dispatch(
    store: Store, service: str, action: str, params: dict[str, Any], base_url: str, faults: FaultPlan | None = None
) -> Any:
    """Run one action; returns its result or a KalturaAPIError (never raises one)."""
    spec = find_action(service, action)
    if spec is None:
        from kaltura_sandbox.framework import ACTIONS

        if not any(s == service.lower() for s, _ in ACTIONS):
            return _error("SERVICE_DOES_NOT_EXISTS", SRV_NAME=service)
        return _error("ACTION_DOES_NOT_EXISTS", ACTION_NAME=action, SERVICE_NAME=service)
    fail_after: tuple[int, KalturaAPIError] | None = None
    if faults is not None:
        rule = faults.pick(service, action, kinds=("kaltura_error",))
        if rule is not None:
            error = KalturaAPIError(rule.code, rule.message) if rule.message is not None else _error(rule.code)
            if rule.after_items is None:
                return error
            fail_after = (rule.after_items, error)
    try:
        request_language(params)  # KalturaDispatcher: INVALID_LANGUAGE_CODE before the KS is looked at
    except KalturaAPIError as error:
        return error
    if isinstance(params.get("filter"), dict):
        params = dict(params, filter=with_relative_times(params["filter"]))
    raw_ks = params.get("ks") or None
    session, ks_error = (None, None) if not spec.needs_ks else _session_for(store, raw_ks)
    if ks_error is not None:
        return ks_error
    if spec.needs_ks and session is None:
        return _error("MISSING_KS")
    ctx = CallContext(
        store=store,
        service=spec.service,
        action=spec.action,
        params=params,
        base_url=base_url,
        session=session,
        raw_ks=raw_ks,
        fail_after_items=fail_after,
    )
    try:
        # the deserializer resolves the profile before the action runs (a wrong one changes nothing)
        profile = resolve_response_profile(store, params.get("responseProfile"), session)
        result = _call(spec, ctx, params)
        if faults is not None and isinstance(result, (str, dict)):
            _maybe_expire_early(store, faults, service, action, result)
        return apply_response_profile(store, profile, result) if profile else result
    except KalturaAPIError as error:
        return error
    except Exception:  # a sandbox bug: answer like Kaltura's generic error, and log it
        log.exception("%s.%s failed", service, action)
        return _error("INTERNAL_SERVERL_ERROR")


# The actions that issue a KS, and where the new KS is in their result.
_ISSUERS = {
    ("session", "start"): None,
    ("session", "startwidgetsession"): "ks",
    ("apptoken", "startsession"): "ks",
    ("reach_entryvendortask", "extendaccesskey"): "accessKey",
}


def _maybe_expire_early(store: Store, faults: FaultPlan, service: str, action: str, result: Any) -> None:
    """An ``expire_session`` fault: the KS this call just issued dies early."""
    key = (service.lower(), action.lower())
    if key not in _ISSUERS:
        return
    field = _ISSUERS[key]
    issued = result if field is None else (result.get(field) if isinstance(result, dict) else None)
    if not isinstance(issued, str):
        return
    rule = faults.pick(service, action, kinds=("expire_session",))
    if rule is None:
        return
    with store.lock:
        store.extra.setdefault("early_expiry", {})[issued] = time.time() + rule.expire_after_seconds


def _error(code: str, **args: Any) -> KalturaAPIError:
    try:
        raise_error(code, **args)
    except KalturaAPIError as error:
        return error
    raise AssertionError("unreachable")


def _resolve_references(value: Any, results: list[Any]) -> Any:
    """Replace ``{N:result:path}`` (1-based N) with values from earlier multirequest results."""
    if isinstance(value, dict):
        return {k: _resolve_references(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_references(v, results) for v in value]
    if not isinstance(value, str) or "{" not in value:
        return value

    def lookup(index: int, path: str | None) -> Any:
        if index < 1 or index > len(results):
            return None
        current = results[index - 1]
        if isinstance(current, KalturaAPIError):
            raise current
        parts = (path or "").split(":") if path else []
        while parts:
            part = parts.pop(0)
            if isinstance(current, dict):
                current = current.get(part)
            elif isinstance(current, list) and part == "_all":
                # KalturaFrontController::getValuesFromObjectsArray: "v1,v2," (null when none)
                attr = parts.pop(0) if parts else ""
                found = [item.get(attr) for item in current if isinstance(item, dict) and item.get(attr) is not None]
                return "".join(f"{value}," for value in found) or None
            elif isinstance(current, list) and part.isdigit():
                current = current[int(part)] if int(part) < len(current) else None
            else:
                current = None
        return current

    whole = _REFERENCE.match(value)
    if whole:
        resolved = lookup(int(whole.group(1)), whole.group(2))
        return resolved if not isinstance(resolved, (int, float)) else str(resolved)
    return _REFERENCE_INLINE.sub(lambda m: str(lookup(int(m.group(1)), m.group(2))), value)


def run_multirequest(store: Store, params: dict[str, Any], base_url: str, faults: FaultPlan | None) -> list[Any]:
    shared = {k: v for k, v in params.items() if not k.isdigit() and k not in _CONTROL_PARAMS}
    results: list[Any] = []
    for index in sorted((k for k in params if k.isdigit()), key=int):
        call = params[index]
        if not isinstance(call, dict):
            results.append(_error("MISSING_MANDATORY_PARAMETER", PARAM_NAME=f"{index}:service"))
            continue
        merged = {**shared, **call}
        try:
            merged = _resolve_references(merged, results)
        except KalturaAPIError as error:
            results.append(error)
            continue
        service, action = str(merged.pop("service", "")), str(merged.pop("action", ""))
        merged.pop("format", None)
        results.append(dispatch(store, service, action, merged, base_url, faults))
    return results


# ---------------------------------------------------------------------------------------------
# App


class _WireMiddleware:
    """Raw-ASGI fixes before routing: collapse ``//`` (a serviceUrl with a trailing slash makes
    the client post to ``//api_v3/...``) and remember the connection's transport, so that a
    ``drop`` fault can close the socket without answering (the client sees a real
    ``requests.ConnectionError``, as when a load balancer resets a connection)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            path = scope.get("path", "")
            if "//" in path:
                fixed = re.sub(r"/{2,}", "/", path)
                scope = dict(scope, path=fixed, raw_path=fixed.encode())
            # uvicorn's receive is a bound method of its RequestResponseCycle, which owns the transport
            transport = getattr(getattr(receive, "__self__", None), "transport", None)
            scope = dict(scope)
            scope.setdefault("state", {})
            scope["state"] = dict(scope["state"], transport=transport)
        await self.app(scope, receive, send)


async def _drop_connection(request: Request) -> Response:
    transport = getattr(request.state, "transport", None)
    if transport is not None:
        transport.close()
        # let uvicorn see connection_lost, so the response below is discarded, not sent
        for _ in range(3):
            await asyncio.sleep(0)
        return Response(b"", status_code=200)
    return _TruncatedResponse()


def _register_module_routes(app: FastAPI, store: Store) -> None:
    """Call ``register_routes(app, store)`` of every imported service module (sorted by name)."""
    prefix = "kaltura_sandbox.services."
    for name in sorted(n for n in list(sys.modules) if n.startswith(prefix)):
        register = getattr(sys.modules[name], "register_routes", None)
        if callable(register):
            register(app, store)


def create_app(store: Store, faults: FaultPlan | None = None) -> FastAPI:
    """The sandbox app over ``store`` (see ``scenario.build_store``), with optional faults.

    Args:
        store: the sandbox state.
        faults: an injected-fault plan; None means no faults (an empty plan is created, so tests
            can still add rules at runtime through ``app.state.faults``).

    Returns:
        The FastAPI app serving ``/api_v3/...`` plus the routes service modules register.
    """
    import kaltura_sandbox.services  # noqa: F401  (registers every action)

    app = FastAPI(title="Kaltura api_v3 sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    if "live_relay" not in store.extra:
        from kaltura_sandbox.live import start_live_relay

        start_live_relay(store)  # Kaltura relays live streams at their events' start
    app.state.faults = faults if faults is not None else FaultPlan()
    plan: FaultPlan = app.state.faults
    app.add_middleware(_WireMiddleware)

    @app.api_route("/api_v3/{rest:path}", methods=["GET", "POST"])
    @app.api_route("/api_v3", methods=["GET", "POST"])
    async def api_v3(request: Request, rest: str = "") -> Response:
        started = time.perf_counter()
        params: dict[str, Any] = {}
        rule = None
        try:
            service, action, params = await decode_params(request)
            base_url = str(request.base_url).rstrip("/")
            service = (service or "").lower()
            action = action or ""
            rule = plan.pick(service, action, kinds=("http_error", "delay", "drop", "drop_after"))
            if rule is not None and rule.kind == "delay":
                await asyncio.sleep(rule.delay_seconds)
            elif rule is not None and rule.kind == "http_error":
                return Response(
                    _HTTP_ERROR_PAGE.format(status=rule.status), status_code=rule.status, media_type="text/html"
                )
            elif rule is not None and rule.kind == "drop":
                return await _drop_connection(request)
            if service == "multirequest":
                result: Any = await asyncio.to_thread(run_multirequest, store, params, base_url, plan)
            elif not service:
                result = _error("SERVICE_DOES_NOT_EXISTS", SRV_NAME="")
            elif not action:
                result = _error("ACTION_DOES_NOT_EXISTS", ACTION_NAME="", SERVICE_NAME=service)
            else:
                result = await asyncio.to_thread(dispatch, store, service, action, params, base_url, plan)
        except Exception:  # a sandbox bug outside an action (decoding...): Kaltura's generic error
            log.exception("request %s failed", request.url.path)
            result = _error("INTERNAL_SERVERL_ERROR")
        elapsed = time.perf_counter() - started
        if rule is not None and rule.kind == "drop_after":
            return await _drop_connection(request)  # the work is done, but the answer never arrives
        if isinstance(result, RawResponse):
            return Response(result.content, media_type=result.media_type, headers=result.headers)
        return render(result, params, elapsed)

    _register_module_routes(app, store)
    return app


# KalturaResponseType values the front controller has a serializer for
FORMAT_JSON, FORMAT_XML, FORMAT_PHP = "1", "2", "3"


def render(result: Any, params: dict[str, Any], elapsed: float) -> Response:
    """``KalturaFrontController::setSerializerByFormat`` + ``serializeResponse``: JSON (1), XML (2,
    the default) or PHP ``serialize()`` (3); any other format is ``UNKNOWN_RESPONSE_FORMAT``,
    written in XML since no serializer was chosen. The PHP serializer sets no header, so PHP's
    default ``text/html`` goes out; a ``content-type`` parameter replaces the header. PHP adds
    ``; charset=UTF-8`` to a ``text/*`` type without one."""
    fmt = str(params.get("format") or FORMAT_XML)
    if fmt == FORMAT_JSON:
        body, content_type = to_json(result), "application/json"
    elif fmt == FORMAT_PHP:
        body, content_type = to_php(result), "text/html"
    else:
        if fmt != FORMAT_XML:
            result = _error("UNKNOWN_RESPONSE_FORMAT", FORMAT=fmt)
        flag = params.get("ignoreNull")
        ignore_null = flag is True or flag == "1"  # === "1" || === true
        body, content_type = xml_envelope(to_xml(result, ignore_null=ignore_null), elapsed), "text/xml"
    chosen = params.get("content-type")
    content_type = chosen if isinstance(chosen, str) and chosen else content_type
    if content_type.startswith("text/") and "charset" not in content_type.lower():
        content_type += "; charset=UTF-8"  # PHP adds its default_charset to a text/* header
    return Response(body, headers={"content-type": content_type})


# What nginx in front of Kaltura answers when the API pool is down.
_HTTP_ERROR_PAGE = (
    "<html>\r\n<head><title>{status} Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    "<center><h1>{status} Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class _TruncatedResponse(Response):
    """Fallback drop when the transport is unknown: announce a long body and stop after a few bytes."""

    def __init__(self) -> None:
        super().__init__(content=b"", media_type="text/xml")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/xml"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'<?xml version="1.0"', "more_body": True})
        raise ConnectionAbortedError("sandbox fault: dropped connection")

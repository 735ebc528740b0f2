"""Kaltura's response formats: format=2 (XML, what the Python client reads) and format=1 (JSON).

XML rules (Kaltura's ``KalturaXmlSerializer``): ``<xml><result>…</result><executionTime/></xml>``;
an object is ``<objectType>`` followed by one element per property; an array is ``<item>``
elements; a map is ``<item><itemKey>name</itemKey>…</item>``; booleans are 1/0; null is an empty
element; errors are ``<error><code/><message/><objectType>KalturaAPIException</objectType><args/>``.
JSON rules (``KalturaJsonSerializer``): objects with ``objectType``, nulls omitted.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.sax.saxutils import escape

from kaltura_sandbox.framework import KalturaAPIError

__all__ = ["KMap", "error_obj", "to_json", "to_xml", "xml_envelope"]


class KMap(dict):  # type: ignore[type-arg]
    """A Kaltura map (e.g. ``relatedObjects``): serialized with ``<itemKey>``."""


# Characters XML 1.0 forbids: lxml would drop the whole document, so they are removed as
# kString::xmlEncode does (it strips control characters).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    return escape(_INVALID_XML.sub("", str(value)))


def _scalar(value: Any) -> str:
    if value is True:
        return "1"
    if value is False:
        return "0"
    if isinstance(value, float):
        return repr(value) if value != int(value) else str(int(value)) if abs(value) < 1e15 else repr(value)
    return _text(value)


def _xml_value(value: Any, out: list[str], ignore_null: bool = False) -> None:
    if value is None:
        return
    if isinstance(value, KalturaAPIError):
        _xml_error(value, out)
    elif isinstance(value, KMap):
        for key, item in value.items():
            out.append(f"<item><itemKey>{_text(key)}</itemKey>")
            _xml_value(item, out, ignore_null)
            out.append("</item>")
    elif isinstance(value, dict):
        object_type = value.get("objectType")
        if object_type:
            out.append(f"<objectType>{_text(object_type)}</objectType>")
        for key, item in value.items():
            if key == "objectType" or key.startswith("_"):
                continue
            if item is None and ignore_null:
                continue
            out.append(f"<{key}>")
            _xml_value(item, out, ignore_null)
            out.append(f"</{key}>")
    elif isinstance(value, (list, tuple)):
        for item in value:
            out.append("<item>")
            _xml_value(item, out, ignore_null)
            out.append("</item>")
    else:
        out.append(_scalar(value))


def _xml_error(error: KalturaAPIError, out: list[str]) -> None:
    out.append(
        f"<error><code>{_text(error.code)}</code><message>{_text(error.message)}</message>"
        "<objectType>KalturaAPIException</objectType><args>"
    )
    for name, value in error.args_map.items():
        out.append(
            "<item><objectType>KalturaApiExceptionArg</objectType>"
            f"<name>{_text(name)}</name><value>{_text(value)}</value></item>"
        )
    out.append("</args></error>")


def to_xml(value: Any, ignore_null: bool = False) -> str:
    """The payload inside ``<result>`` (``ignore_null``: omit null properties, as ``ignoreNull=1``)."""
    out: list[str] = []
    _xml_value(value, out, ignore_null)
    return "".join(out)


def xml_envelope(payload: str, execution_time: float) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><xml><result>'
        f"{payload}</result><executionTime>{execution_time:.4f}</executionTime></xml>"
    )


def error_obj(error: KalturaAPIError) -> dict[str, Any]:
    return {
        "code": error.code,
        "message": error.message,
        "objectType": "KalturaAPIException",
        "args": dict(error.args_map),
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, KalturaAPIError):
        return error_obj(value)
    if isinstance(value, KMap):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items() if v is not None and not k.startswith("_")}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def to_json(value: Any) -> str:
    return json.dumps(_json_value(value), ensure_ascii=False)

"""Kaltura's response formats: format=2 (XML, what the Python client reads), format=1 (JSON) and
format=3 (PHP ``serialize()``, the default of Kaltura's PHP client and REACH vendor sample).

XML rules (Kaltura's ``KalturaXmlSerializer``): ``<xml><result>…</result><executionTime/></xml>``;
an object is ``<objectType>`` followed by one element per property; an array is ``<item>``
elements; a map is ``<item><itemKey>name</itemKey>…</item>``; booleans are 1/0; null is an empty
element; errors are ``<error><code/><message/><objectType>KalturaAPIException</objectType><args/>``.
JSON rules (``KalturaJsonSerializer``): objects with ``objectType``, nulls omitted; an error's
``args`` is PHP's empty array ``[]`` when it has none.
PHP rules (``KalturaPhpSerializer``: ``serialize()`` after ``prepareSerializedObject``): an object
is ``O:<len>:"<class>":<n>:{…}`` with every property, nulls as ``N;``; typed arrays and maps are
PHP arrays; an error is the array ``{code, message, objectType, args}``; a multirequest is
``a:<n>:{i:0;…}``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.sax.saxutils import escape

from kaltura_sandbox.framework import KalturaAPIError

__all__ = ["KMap", "error_obj", "to_json", "to_php", "to_xml", "xml_envelope"]


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
    """``KalturaSerializer::convertExceptionsToPhpArrays``: args is a PHP array, ``[]`` when empty."""
    return {
        "code": error.code,
        "message": error.message,
        "objectType": "KalturaAPIException",
        "args": dict(error.args_map) if error.args_map else [],
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


# ---------------------------------------------------------------------------------------------
# format=3: PHP serialize()


def _php_string(text: str) -> str:
    return f's:{len(text.encode("utf-8"))}:"{text}";'


def _php_key(key: Any) -> str:
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit() and not key.startswith("0")):
        return f"i:{int(key)};"  # PHP turns numeric string keys into integers
    return _php_string(str(key))


def _php_float(value: float) -> str:
    if value != value:
        return "d:NAN;"
    if value in (float("inf"), float("-inf")):
        return "d:INF;" if value > 0 else "d:-INF;"
    text = repr(value)
    return f"d:{text[:-2] if text.endswith('.0') else text};"


def _php_value(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("N;")
    elif isinstance(value, KalturaAPIError):
        _php_array(list(error_obj(value).items()), out)
    elif value is True or value is False:
        out.append(f"b:{1 if value else 0};")
    elif isinstance(value, int):
        out.append(f"i:{value};")
    elif isinstance(value, float):
        out.append(_php_float(value))
    elif isinstance(value, str):
        out.append(_php_string(value))
    elif isinstance(value, dict) and value.get("objectType") and not isinstance(value, KMap):
        fields = [(k, v) for k, v in value.items() if k != "objectType" and not k.startswith("_")]
        if "relatedObjects" not in value:
            fields.insert(0, ("relatedObjects", None))  # KalturaObject::$relatedObjects, on every object
        name = str(value["objectType"])
        out.append(f'O:{len(name.encode("utf-8"))}:"{name}":{len(fields)}:{{')
        for key, item in fields:
            out.append(_php_string(key))
            _php_value(item, out)
        out.append("}")
    elif isinstance(value, dict):
        _php_array([(k, v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("_"))], out)
    elif isinstance(value, (list, tuple)):
        _php_array(list(enumerate(value)), out)
    else:
        out.append(_php_string(str(value)))


def _php_array(items: list[tuple[Any, Any]], out: list[str]) -> None:
    out.append(f"a:{len(items)}:{{")
    for key, item in items:
        out.append(_php_key(key))
        _php_value(item, out)
    out.append("}")


def to_php(value: Any) -> str:
    """One answer in PHP's ``serialize()`` format (a multirequest answer is a list)."""
    out: list[str] = []
    _php_value(value, out)
    return "".join(out)

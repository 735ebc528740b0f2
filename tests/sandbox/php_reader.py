"""PHP's own ``unserialize`` (Debian ``php-cli``) reading the sandbox's format=3 answers.

Without Kaltura's PHP client classes loaded, ``unserialize`` makes ``__PHP_Incomplete_Class``
objects; the reader reports each object's class as ``"__class"`` so a test sees what Kaltura's
PHP client would instantiate (its classes are named after ``objectType``). An error is the PHP
array ``{code, message, objectType: KalturaAPIException, args}``, which the client's ``isError``
recognises. Answers are read in one PHP process per batch.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

__all__ = ["needs_php", "php_unserialize", "php_unserialize_all"]

# Reads a JSON array of PHP-serialized strings from stdin and prints a JSON array with, for each,
# {"ok": unserialize succeeded, "value": the value with every object's class as "__class"}.
_READER = r"""
function walk($v) {
    if (is_object($v)) {
        $props = (array) $v;
        $class = isset($props['__PHP_Incomplete_Class_Name']) ? $props['__PHP_Incomplete_Class_Name'] : get_class($v);
        unset($props['__PHP_Incomplete_Class_Name']);
        $out = array('__class' => $class);
        foreach ($props as $k => $item) { $out[$k] = walk($item); }
        return $out;
    }
    if (is_array($v)) { $out = array(); foreach ($v as $k => $item) { $out[$k] = walk($item); } return $out; }
    return $v;
}
$answers = array();
foreach (json_decode(stream_get_contents(STDIN), true) as $raw) {
    $value = @unserialize($raw);
    $ok = !($value === false && $raw !== serialize(false));
    $answers[] = array('ok' => $ok, 'value' => walk($value));
}
echo json_encode($answers, JSON_PRESERVE_ZERO_FRACTION);
"""

needs_php = pytest.mark.skipif(shutil.which("php") is None, reason="Debian php-cli is not installed")


def php_unserialize_all(raws: list[str]) -> list[Any]:
    """Each answer as PHP's ``unserialize`` reads it; a failure raises AssertionError with the answer."""
    done = subprocess.run(
        ["php", "-r", _READER], input=json.dumps(raws).encode(), capture_output=True, timeout=60, check=True
    )
    values = []
    for raw, answer in zip(raws, json.loads(done.stdout), strict=True):
        assert answer["ok"], f"PHP's unserialize refused the answer: {raw[:300]}"
        values.append(answer["value"])
    return values


def php_unserialize(raw: str) -> Any:
    """One answer as PHP's ``unserialize`` reads it."""
    return php_unserialize_all([raw])[0]

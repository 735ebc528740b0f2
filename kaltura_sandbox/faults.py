"""Fault injection: make the sandbox fail the way a real service sometimes does. Off by default.

A plan is a seeded list of rules; each rule matches actions (``service``/``action`` globs, e.g.
``reach_entryvendortask``/``updateJob`` or ``*``/``*``) and fires with a probability, on the first
``first_n`` matching calls, or on every ``every_nth`` call. Kinds:

* ``http_error``: an HTTP 5xx (``status``, default 503) with an HTML body, as a load balancer sends.
* ``delay``: answer after ``delay_seconds`` (make the client time out with a small requestTimeout).
* ``drop``: close the connection mid-response (the client sees a broken connection).
* ``kaltura_error``: a Kaltura API error ``code`` (e.g. ``INTERNAL_SERVERL_ERROR``) in the envelope.
* ``expire_session``: sessions issued while the rule fires expire after ``expire_after_seconds``.

YAML form (``reachflow sandbox --faults FILE`` or a scenario's ``faults:`` section)::

    seed: 7
    rules:
      - {service: "*", action: "*", kind: http_error, probability: 0.1}
      - {service: reach_entryvendortask, action: updateJob, kind: kaltura_error,
         code: INTERNAL_SERVERL_ERROR, first_n: 2}
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

__all__ = ["FaultPlan", "FaultRule"]

Kind = Literal["http_error", "delay", "drop", "kaltura_error", "expire_session"]


@dataclass
class FaultRule:
    kind: Kind
    service: str = "*"
    action: str = "*"
    probability: float = 1.0
    first_n: int | None = None
    every_nth: int | None = None
    status: int = 503
    delay_seconds: float = 5.0
    code: str = "INTERNAL_SERVERL_ERROR"
    expire_after_seconds: float = 2.0
    matched: int = 0
    fired: int = 0

    def matches(self, service: str, action: str) -> bool:
        return fnmatch.fnmatch(service.lower(), self.service.lower()) and fnmatch.fnmatch(
            action.lower(), self.action.lower()
        )


@dataclass
class FaultPlan:
    """The active rules and their counters (thread-safe; tests may change it at runtime)."""

    seed: int = 0
    rules: list[FaultRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> FaultPlan:
        data = data or {}
        known = set(FaultRule.__dataclass_fields__) - {"matched", "fired"}
        rules = [FaultRule(**{k: v for k, v in r.items() if k in known}) for r in data.get("rules", [])]
        return cls(seed=int(data.get("seed", 0)), rules=rules)

    @classmethod
    def from_file(cls, path: Path) -> FaultPlan:
        return cls.from_dict(yaml.safe_load(Path(path).read_text()) or {})

    def add(self, kind: Kind, **options: Any) -> FaultRule:
        rule = FaultRule(kind=kind, **options)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def pick(self, service: str, action: str, kinds: tuple[str, ...] | None = None) -> FaultRule | None:
        """The first rule that fires for this call (counters updated), or None."""
        with self._lock:
            for rule in self.rules:
                if kinds is not None and rule.kind not in kinds:
                    continue
                if not rule.matches(service, action):
                    continue
                rule.matched += 1
                if rule.first_n is not None and rule.matched > rule.first_n:
                    continue
                if rule.every_nth is not None and rule.matched % rule.every_nth != 0:
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
        return None

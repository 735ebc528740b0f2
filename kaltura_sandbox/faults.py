"""Fault injection: make the sandbox fail the way a real service sometimes does. Off by default.

A plan is a seeded list of rules. Each rule matches api_v3 calls by ``service``/``action`` globs
(case-insensitive, e.g. ``reach_entryvendortask``/``updateJob``, ``caption_*``/``*``; a
multirequest is service ``multirequest``, action ``""``, and each of its calls is matched again
for ``kaltura_error``) and fires with a ``probability``, only on the first ``first_n`` matching
calls, and/or on every ``every_nth`` matching call. Kinds:

* ``http_error``: an HTTP 5xx (``status``, default 503) with nginx's HTML page instead of the
  envelope. The Python client cannot find ``<result>``: ``KalturaClientException`` -8.
* ``delay``: answer after ``delay_seconds`` (a client with a small ``requestTimeout`` times out:
  ``KalturaClientException`` -4 wrapping ``requests.ReadTimeout``).
* ``drop_after``: do the work, then close the socket before answering: the client cannot know
  whether its write happened (the case that makes naive retries duplicate assets).
* ``drop``: close the socket without answering (``requests.ConnectionError``, wrapped by the
  client as ``KalturaClientException`` -4).
* ``kaltura_error``: the Kaltura API error ``code`` (default ``INTERNAL_SERVERL_ERROR``) in the
  envelope, with ``message`` when given (else the code's template): ``KalturaException``. With
  ``after_items: N`` a bulk action (``cuePoint.addFromBulk``) first does its first N items, then
  fails: the server saves each item as it goes, so a failure part-way leaves the first ones made.
* ``expire_session``: a KS issued while the rule fires (session.start, startWidgetSession,
  appToken.startSession, entryVendorTask.extendAccessKey) expires ``expire_after_seconds`` later.

YAML form (``reachflow sandbox --faults FILE`` or a scenario's ``faults:`` section)::

    seed: 7
    rules:
      - {service: "*", action: "*", kind: http_error, probability: 0.1}
      - {service: reach_entryvendortask, action: updateJob, kind: kaltura_error,
         code: INTERNAL_SERVERL_ERROR, first_n: 2}
      - {service: apptoken, action: startSession, kind: expire_session, expire_after_seconds: 5}

Tests change a running plan with :meth:`FaultPlan.add` / :meth:`FaultPlan.clear` and read what
fired from ``rule.fired`` or :attr:`FaultPlan.log`.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

__all__ = ["KINDS", "FaultPlan", "FaultRule"]

Kind = Literal["http_error", "delay", "drop", "drop_after", "kaltura_error", "expire_session"]
KINDS: tuple[str, ...] = ("http_error", "delay", "drop", "drop_after", "kaltura_error", "expire_session")


@dataclass
class FaultRule:
    """One fault: what (``kind`` + its options), where (globs) and when (probability, counts)."""

    kind: Kind
    service: str = "*"
    action: str = "*"
    probability: float = 1.0
    first_n: int | None = None
    every_nth: int | None = None
    status: int = 503
    delay_seconds: float = 5.0
    code: str = "INTERNAL_SERVERL_ERROR"
    message: str | None = None
    expire_after_seconds: float = 2.0
    after_items: int | None = None
    matched: int = 0  # matching calls seen
    fired: int = 0  # times the fault was applied

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (one of {', '.join(KINDS)})")
        if not 0.0 <= float(self.probability) <= 1.0:
            raise ValueError(f"probability must be within 0..1, got {self.probability}")

    def matches(self, service: str, action: str) -> bool:
        """Whether the rule's globs cover ``service``/``action`` (case-insensitive)."""
        return fnmatch.fnmatch(service.lower(), self.service.lower()) and fnmatch.fnmatch(
            action.lower(), self.action.lower()
        )


@dataclass
class FaultPlan:
    """The active rules and their counters (thread-safe; tests may change it at runtime)."""

    seed: int = 0
    rules: list[FaultRule] = field(default_factory=list)
    log: list[tuple[str, str, str]] = field(default_factory=list)  # (service, action, kind) fired

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> FaultPlan:
        """A plan from its mapping form (``{"seed": 7, "rules": [{...}, ...]}``); None = no faults."""
        data = data or {}
        known = set(FaultRule.__dataclass_fields__) - {"matched", "fired"}
        rules = []
        for raw in data.get("rules", []) or []:
            unknown = set(raw) - known
            if unknown:
                raise ValueError(f"unknown fault rule option(s): {', '.join(sorted(unknown))}")
            rules.append(FaultRule(**raw))
        return cls(seed=int(data.get("seed", 0)), rules=rules)

    @classmethod
    def from_file(cls, path: Path | str) -> FaultPlan:
        """A plan from a YAML file (the mapping form; a scenario file's ``faults:`` section works too)."""
        data = yaml.safe_load(Path(path).read_text()) or {}
        if "rules" not in data and isinstance(data.get("faults"), dict):
            data = data["faults"]
        return cls.from_dict(data)

    def add(self, kind: Kind, **options: Any) -> FaultRule:
        """Add a rule at runtime and return it (its ``fired`` counter shows what happened)."""
        rule = FaultRule(kind=kind, **options)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule and forget what fired (the sandbox behaves normally again)."""
        with self._lock:
            self.rules.clear()
            self.log.clear()
            self._rng = random.Random(self.seed)

    def fired(self, kind: str | None = None) -> int:
        """How many faults fired (of one ``kind``, or all)."""
        with self._lock:
            return sum(1 for _, _, k in self.log if kind is None or k == kind)

    def pick(self, service: str, action: str, kinds: tuple[str, ...] | None = None) -> FaultRule | None:
        """The first rule of ``kinds`` that fires for this call (counters updated), or None."""
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
                self.log.append((service, action, rule.kind))
                return rule
        return None

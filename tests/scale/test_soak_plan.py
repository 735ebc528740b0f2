"""The soak's fault plan fires every kind, at least 100 faults in all, at any soak size.

A 30-job soak once fired no ``delay`` (a random rule on a call made once per job) and failed on
that alone. The plan is replayed here on the calls a machine-captions job makes (without the
retries the faults cause, so real soaks fire more).
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from kaltura_sandbox.faults import FaultPlan

# One machine-captions job's calls (reads, then the writes of delivery), as the sandbox sees them.
JOB_CALLS = [
    ("apptoken", "startSession"),
    ("reach_entryvendortask", "get"),
    ("reach_entryvendortask", "updateJob"),
    ("reach_entryvendortask", "extendAccessKey"),
    ("reach_entryvendortask", "get"),
    ("baseentry", "getPlaybackContext"),
    ("flavorasset", "list"),
    ("attachment_attachmentasset", "list"),
    ("attachment_attachmentasset", "add"),
    ("uploadtoken", "add"),
    ("uploadtoken", "upload"),
    ("attachment_attachmentasset", "setContent"),
    ("caption_captionasset", "list"),
    ("caption_captionasset", "add"),
    ("caption_captionasset", "setContent"),
    ("caption_captionasset", "update"),
    ("reach_entryvendortask", "updateJob"),
]


def _soak() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "soak.py"
    spec = importlib.util.spec_from_file_location("soak_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("jobs", [20, 30, 60, 200])
def test_every_kind_fires_and_enough_in_all(jobs: int) -> None:
    soak = _soak()
    plan = FaultPlan.from_dict(soak.fault_plan(7, jobs))
    for _ in range(jobs):
        for service, action in JOB_CALLS:
            plan.pick(service, action)
    fired = Counter(kind for _, _, kind in plan.log)
    assert set(fired) == set(soak.FAULT_KINDS), fired
    assert fired["delay"] >= 2
    assert sum(fired.values()) >= soak.MIN_FAULTS, fired
    # A large soak is not drowned: at most about a third of the calls fail.
    assert sum(fired.values()) <= jobs * len(JOB_CALLS) / 3, fired


def test_the_default_limit_outlasts_the_measured_throughput() -> None:
    # Measured: 1.7 tasks a minute on 2 cores (200-job soak, SQLite, one worker × 2 slots). The limit
    # must let a soak of any size finish at that rate, with room for the kills and restarts.
    soak = _soak()
    for jobs in (12, 30, 60, 200, 1000):
        assert soak.default_timeout(jobs) >= 1.3 * jobs / 1.7 * 60
    assert soak.default_timeout(1) >= 1800

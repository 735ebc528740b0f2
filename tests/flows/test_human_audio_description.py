"""Human audio description: a person gets every pause with its length, a keyframe per shot, the OCR text
and the machine's suggestions; a script that does not fit the pauses is sent back with the reasons; a
good one is spoken, mixed and delivered.

The run goes through a real Prefect runner (``served_flows``): it suspends, its process exits, and each
answer resumes it from the top in a new process. The person answers with ``reachflow review``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.flows.conftest import VENDOR, customer_client, vendor_sandbox, vendor_task
from tests.flows.test_audio_description_flow import AD_ITEM, TOUR
from tests.flows.test_human_translation import cli
from tests.runner import completed, start_run, suspended, wait_for_run

HUMAN_ITEM = {**AD_ITEM, "id": 125, "service_type": "HUMAN", "turn_around_time": "FIVE_BUSINESS_DAYS"}
TOO_LONG = """1: On screen: Campus Tour.
2: A bright gold card fills the whole screen and reads, in large black letters, Library open all night.
5: Applause.
"""
GOOD = """# the describer's script
1: On screen: Campus Tour.
2: A gold card reads: Library open all night.
"""


def scenario() -> dict[str, Any]:
    return {
        "vendor": VENDOR,
        "catalog_items": [HUMAN_ITEM],
        "customers": [
            {
                "partner_id": 2001,
                "admin_secret": "customer-secret",
                "reach_profiles": [{"id": 301, "content_deletion_policy": "DO_NOTHING"}],
                "entries": [{**TOUR, "id": "0_adhuman1"}],
                "tasks": [{"id": 9401, "entry": "0_adhuman1", "catalog_item": 125, "reach_profile": 301}],
            }
        ],
    }


def test_a_describer_is_asked_again_until_every_description_fits_its_pause(
    media_cache: Path, served_flows: dict[str, Any], tmp_path: Path
) -> None:
    with vendor_sandbox(scenario(), media_cache) as (box, block):
        run = start_run(served_flows["audio_description"], 9401, 2001, block, service_type=1, feature=4)
        wait_for_run(run.id, suspended("review-1"), timeout=600, what="the first question")
        assert vendor_task(box, 9401).status.getValue() == 3  # PROCESSING while the person works

        shown = cli("review", "show", "audio_description-2001-9401")
        for expected in (
            "| pause | time | length | up to words | machine suggestion |",
            "| 1 | 0:0",  # each pause with its time and length
            "| On screen: Campus Tour. |",  # the machine's suggestion
            "| Library open all night |",  # the OCR text of shot 2
            "contact-sheet.jpg",  # every keyframe on one picture, in the job's folder
            "shot-001.png",
            "up to",
        ):
            assert expected in shown, expected
        sheet = Path(os.environ["REACHFLOW_HOME"]) / "jobs" / "2001-9401" / "contact-sheet.jpg"
        assert sheet.stat().st_size > 1000
        draft = cli("review", "show", "audio_description-2001-9401", "--draft")
        assert "1: On screen: Campus Tour." in draft and "# Pause 2," in draft

        bad = tmp_path / "too-long.txt"
        bad.write_text(TOO_LONG)
        cli("review", "submit", "audio_description-2001-9401", "--file", str(bad), "--accuracy", "90")
        wait_for_run(run.id, suspended("review-2"), timeout=300, what="the question after a script that does not fit")
        shown = cli("review", "show", "audio_description-2001-9401")
        assert "its description has 18 words" in shown and "shorten it" in shown
        assert "there is no pause 5 (the pauses are numbered 1 to 2)" in shown
        assert vendor_task(box, 9401).status.getValue() == 3

        good = tmp_path / "script.txt"
        good.write_text(GOOD)
        cli("review", "submit", "audio_description-2001-9401", "--file", str(good), "--accuracy", "95")
        wait_for_run(run.id, completed, timeout=600, what="delivery after a script that fits")

        task = vendor_task(box, 9401)
        assert task.status.getValue() == 2 and task.accuracy == 95
        flavors = {int(f.flavorParamsId): f for f in customer_client(box, 2001).flavorAsset.getByEntryId("0_adhuman1")}
        assert task.outputObjectId == flavors[1504].id and flavors[1604].isDefault.getValue() == 1
        assert flavors[1504].label == "English - Audio description"

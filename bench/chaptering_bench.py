"""Chaptering job time against the media's duration.

An entry of synthesised speech in three topics (photosynthesis, volcanoes, the stock market; about
100 s, espeak-ng at 140 words a minute) looped to ``--minutes`` (default 10), so the topic changes
every ~34 s; the whole MACHINE chaptering job runs in this process against the Kaltura sandbox and a
Prefect test server: download, decode, language check, recognition (tiny.en, fast mode), sentences,
embeddings (multilingual USE, first load included), topic shifts, titles, delivery as cue points
(bulk, then completed), READY. Prints the job time ÷ media duration, the share of recognition and
of the chapter step, and how many chapters were delivered.

A run shorter than 10 minutes prints the 10-minute figure extrapolated linearly from it, labelled so.

    .venv/bin/python bench/chaptering_bench.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("REACHFLOW_QUALITY_MODE", "fast")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

TOPICS = [
    "Photosynthesis is how green plants make their own food from sunlight. The leaves capture light with a "
    "green pigment called chlorophyll. The energy of the light splits water into oxygen and hydrogen. Carbon "
    "dioxide from the air is then turned into sugar inside the leaf. The oxygen we breathe is a by-product of "
    "photosynthesis. Plants store the sugar as starch in their roots, stems and seeds. Without photosynthesis "
    "there would be no forests, no crops and no food for animals.",
    "Volcanoes form where molten rock rises through the crust of the earth. The magma collects in large "
    "chambers deep below the mountain. When the pressure builds up, the volcano erupts with lava, gas and ash. "
    "Some eruptions are gentle rivers of glowing lava that flow for weeks. Others explode violently and throw "
    "ash high into the sky. Geologists measure small earthquakes and rising ground to predict the next "
    "eruption. Volcanic soil is very fertile, so many farmers live close to volcanoes.",
    "The stock market lets companies raise money from investors. A share is a small piece of ownership in a "
    "company. Share prices rise when more people want to buy than to sell. Investors spread their money "
    "across many shares to reduce the risk. Interest rates set by the central bank move the whole market up "
    "or down. A fall of twenty percent or more is called a bear market. Over many years, patient investing "
    "usually beats trying to time the market.",
]


def scenario(minutes: float) -> dict[str, Any]:
    return {
        "vendor": {
            "partner_id": 9000,
            "admin_secret": "v",
            "app_token": {"id": "0_t", "token": "t", "hash_type": "SHA256"},
        },
        "catalog_items": [
            {
                "id": 110,
                "feature": "CHAPTERING",
                "service_type": "MACHINE",
                "turn_around_time": "SIX_HOURS",
                "source_language": "English",
            }
        ],
        "customers": [
            {
                "partner_id": 2001,
                "admin_secret": "c",
                "reach_profiles": [{"id": 301, "content_deletion_policy": "DO_NOTHING"}],
                "entries": [
                    {
                        "id": "0_chbench1",
                        "name": "Three topics, looped",
                        "speech": [{"text": t, "speed": 140} for t in TOPICS],
                        "loop_to_seconds": minutes * 60,
                    }
                ],
                "tasks": [
                    {"id": 5340, "entry": "0_chbench1", "catalog_item": 110, "reach_profile": 301, "created": "-5m"}
                ],
            }
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    from blocks.kaltura import KalturaVendorAccount
    from flows.chaptering import chaptering_flow
    from kaltura_sandbox.testing import running_sandbox

    home = Path(tempfile.mkdtemp(prefix="chaptering-bench-"))
    os.environ.setdefault("REACHFLOW_HOME", str(home / "reachflow"))
    media = Path(os.environ.get("BENCH_MEDIA_DIR", home / "media"))
    media.mkdir(parents=True, exist_ok=True)
    with (
        prefect_test_harness(server_startup_timeout=300),
        running_sandbox(scenario(args.minutes), media_dir=media) as box,
    ):
        creds = box.credentials
        KalturaVendorAccount(
            service_url=box.base_url,
            vendor_partner_id=creds["vendor_partner_id"],
            vendor_name="bench",
            app_token_id=creds["app_token_id"],
            app_token=creds["app_token"],
            app_token_hash_type=creds.get("app_token_hash_type", "SHA256"),
        ).save("bench-vendor", overwrite=True)
        started = time.monotonic()
        cpu_started = time.process_time()
        result = chaptering_flow(task_id=5340, partner_id=2001, account_block="bench-vendor")
        wall = time.monotonic() - started
        cpu = time.process_time() - cpu_started
    if not isinstance(result, dict):
        raise SystemExit(f"the job did not finish READY: {result}")
    duration = float(result["media_seconds"])
    ratio = wall / duration
    print(f"media {duration:.1f} s ({args.minutes:g} min), chapters {result['chapters']}, bulk: {result['bulk']}")
    print(
        f"job {wall:.1f} s wall ({cpu:.1f} s CPU in this process) = {ratio:.3f} × duration; "
        f"recognition {result['recognition_seconds']:.1f} s, chapter step {result['chapter_seconds']:.1f} s"
    )
    if args.minutes < 10:
        print(
            f"10-minute entry, extrapolated linearly from this {args.minutes:g}-minute run: job ≈ {ratio * 600:.0f} s"
        )
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

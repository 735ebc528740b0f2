"""Extended audio description: job time ÷ media duration on a long entry.

One sandbox entry whose picture is a cycle of title cards and plain shots (a cut every 4–6 s, text
on most, like a training video) under looped English speech, ``--minutes`` long (default 10). The
whole MACHINE job runs through the real flow (sandbox download, shot cuts, keyframes, OCR, faces,
descriptions, WebVTT attachment, READY) on a Prefect test server; the report gives the job's wall
time, the time spent looking at the video, both divided by the media's duration, and CPU seconds.

A shorter run (``--minutes 2``) is extrapolated to 10 minutes linearly and labelled so: the work
is per shot (one keyframe, one OCR pass, one face pass) plus one decode of the picture, both
proportional to the length.

    BENCH_MEDIA_DIR=/work/bench-media .venv/bin/python bench/ead_bench.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TASK_ID, PARTNER_ID = 9951, 2003
CARDS = [  # seconds, background, ink, on-screen text
    (5, "navy", "white", "Module 3: Infection Control"),
    (4, "gold", "black", "Wash for 20 seconds"),
    (6, "white", "black", ""),
    (5, "darkgreen", "white", "Use gloves once"),
    (4, "ivory", "black", "Dispose of sharps safely"),
    (6, "black", "white", ""),
]
SPEECH = [
    {"text": "Infection control protects patients and staff alike."},
    {"silence": 1.5},
    {"text": "Clean your hands before and after every patient contact."},
    {"silence": 2.0},
    {"text": "Gloves are single use. Change them between tasks."},
    {"silence": 1.0},
]


def scenario(minutes: float) -> dict[str, Any]:
    return {
        "vendor": {"partner_id": 9000, "admin_secret": "v", "app_token": {"id": "0_t", "token": "t"}},
        "catalog_items": [
            {"id": 109, "feature": "EXTENDED_AUDIO_DESCRIPTION", "service_type": "MACHINE", "output_format": "VTT"}
        ],
        "customers": [
            {
                "partner_id": PARTNER_ID,
                "admin_secret": "c",
                "reach_profiles": [{"id": 303}],
                "entries": [
                    {
                        "id": "0_eadbench",
                        "name": "Infection control training",
                        "speech": SPEECH,
                        "loop_to_seconds": minutes * 60,
                        "shots": [{"seconds": s, "colour": c, "ink": ink, "text": text} for s, c, ink, text in CARDS],
                        "flavors": ["source"],
                    }
                ],
                "tasks": [{"id": TASK_ID, "entry": "0_eadbench", "catalog_item": 109, "reach_profile": 303}],
            }
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="entry length (default 10)")
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("REACHFLOW_HOME", tempfile.mkdtemp(prefix="ead-bench-"))
    media = os.environ.get("BENCH_MEDIA_DIR") or str(Path(tempfile.gettempdir()) / "ead-bench-media")

    from kaltura_sandbox.testing import running_sandbox

    made = time.monotonic()
    with running_sandbox(scenario(args.minutes), media_dir=Path(media)) as sandbox:
        print(f"entry synthesised and served in {time.monotonic() - made:.1f} s", flush=True)
        from prefect.testing.utilities import prefect_test_harness

        from blocks.kaltura import KalturaVendorAccount
        from flows.extended_audio_description import extended_audio_description_flow

        with prefect_test_harness(server_startup_timeout=120):
            creds = sandbox.credentials
            KalturaVendorAccount(
                service_url=sandbox.base_url,
                vendor_partner_id=creds["vendor_partner_id"],
                vendor_name="bench",
                app_token_id=creds["app_token_id"],
                app_token=creds["app_token"],
                app_token_hash_type=creds.get("app_token_hash_type", "SHA256"),
            ).save("bench", overwrite=True)
            cpu_before = _cpu()
            started = time.monotonic()
            result = extended_audio_description_flow(task_id=TASK_ID, partner_id=PARTNER_ID, account_block="bench")
            wall = time.monotonic() - started
            cpu = _cpu() - cpu_before
        vtt = _delivered(sandbox, str(result["attachment_id"]))
    duration = float(result["media_seconds"])
    looked = float(result["visual_seconds"])
    label = "" if abs(args.minutes - 10) < 0.01 else f" (extrapolated from {args.minutes:g} min, linear)"
    scale = 600.0 / duration
    print(
        f"entry {duration:.1f} s, {result['shots']} shots, {result['descriptions']} descriptions "
        f"({len(vtt)} WebVTT cues read back)\n"
        f"job {wall:.1f} s wall = {wall / duration:.3f} × duration; looking at the video {looked:.1f} s "
        f"= {looked / duration:.3f} × duration; CPU {cpu:.1f} s (this process and its ffmpeg/tesseract children)\n"
        f"10-minute entry{label}: job ≈ {wall * scale:.0f} s, looking ≈ {looked * scale:.0f} s"
    )


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _delivered(sandbox: Any, attachment_id: str) -> list[Any]:
    """The delivered file, read back as the customer and parsed by webvtt-py."""
    import httpx
    import webvtt
    from KalturaClient import KalturaClient, KalturaConfiguration
    from KalturaClient.Plugins.Core import KalturaSessionType

    secret = next(c["admin_secret"] for c in sandbox.credentials["customers"] if c["partner_id"] == PARTNER_ID)
    client = KalturaClient(KalturaConfiguration(sandbox.base_url))
    client.setKs(client.session.start(secret, "", KalturaSessionType.ADMIN, PARTNER_ID))
    text = httpx.get(client.attachment.attachmentAsset.getUrl(attachment_id)).text
    return list(webvtt.from_buffer(io.StringIO(text)))


if __name__ == "__main__":
    main()

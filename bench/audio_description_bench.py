"""A machine audio-description job on a long entry: job time ÷ media duration, and peak memory.

The entry (``--minutes``, default 10) is the default scenario's campus tour looped: speech with a
pause of over 5 s after each sentence, and three shots with on-screen text repeating every 24.5 s,
so every pause has something to describe. The whole job runs (sandbox download of the flavor with
picture and sound, decode, voice activity, shot cuts, keyframes, OCR, face detection, synthesis,
mix, both flavors encoded and uploaded, READY).

Processes: this (parent) process synthesises the media and serves the Kaltura sandbox from a
thread; the job runs in a child process that hosts only the job and the Prefect client (the Prefect
test server is a subprocess of that child), so the child's ``ru_maxrss`` is the job's own peak. The
peak of its largest child process is reported beside it (the Prefect test server counts there, as
well as ffmpeg and tesseract).

Measured 2026-12-01, 10 minutes, shared 2-core machine at load average 23-26 (an upper bound): job
574 s = 0.96x the duration, 74 descriptions; job process 576 MB, largest child 575 MB.

    BENCH_MEDIA_DIR=/work/bench-media nice -n 10 .venv/bin/python bench/audio_description_bench.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TASK_ID, PARTNER_ID, ENTRY = 9951, 2001, "0_adbench1"
SPEECH = [
    {"text": "Welcome to the Northwind campus tour."},
    {"silence": 5.5},
    {"text": "Our library never closes during exam weeks."},
    {"silence": 5.5},
    {"text": "Applications for next year are open now."},
    {"music": 5.0},
]
SHOTS = [
    {"seconds": 8.0, "colour": "navy", "text": "Northwind Campus Tour"},
    {"seconds": 8.5, "colour": "gold", "ink": "black", "text": "Library open all night"},
    {"seconds": 8.0, "colour": "darkgreen", "text": "Apply before March"},
]


def scenario(minutes: float) -> dict[str, Any]:
    return {
        "vendor": {"partner_id": 9000, "admin_secret": "v", "app_token": {"id": "0_t", "token": "t"}},
        "catalog_items": [
            {
                "id": 108,
                "feature": "AUDIO_DESCRIPTION",
                "service_type": "MACHINE",
                "turn_around_time": "FORTY_EIGHT_HOURS",
                "source_language": "English",
                "flavor_params_id": 1504,
                "clear_audio_flavor_params_id": 1604,
            }
        ],
        "customers": [
            {
                "partner_id": PARTNER_ID,
                "admin_secret": "c",
                "reach_profiles": [{"id": 301}],
                "entries": [{"id": ENTRY, "speech": SPEECH, "shots": SHOTS, "loop_to_seconds": minutes * 60}],
                "tasks": [{"id": TASK_ID, "entry": ENTRY, "catalog_item": 108, "reach_profile": 301}],
            }
        ],
    }


CHILD = r"""
import json, os, resource, sys, time, uuid
creds = json.loads(os.environ["BENCH_CREDENTIALS"])
from prefect.testing.utilities import prefect_test_harness
with prefect_test_harness(server_startup_timeout=180):
    from blocks.kaltura import KalturaVendorAccount
    from flows.audio_description import audio_description_flow
    name = f"bench-{uuid.uuid4().hex[:6]}"
    KalturaVendorAccount(service_url=creds["service_url"], vendor_partner_id=creds["vendor_partner_id"],
        vendor_name="bench", app_token_id=creds["app_token_id"], app_token=creds["app_token"],
        app_token_hash_type=creds.get("app_token_hash_type", "SHA1")).save(name, overwrite=True)
    started = time.monotonic()
    result = audio_description_flow(task_id=int(os.environ["BENCH_TASK"]), partner_id=0, account_block=name)
    seconds = time.monotonic() - started
print("BENCH-RESULT " + json.dumps({
    "job_seconds": round(seconds, 1),
    "job_cpu_seconds": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
    "subprocess_cpu_seconds": round(sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]), 1),
    "media_seconds": result["media_seconds"],
    "findings": len(result.get("findings") or []),
    "descriptions": len(result["descriptions"]),
    "pauses": result["pauses"],
    "shots": result["shots"],
    "peak_job_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "peak_subprocess_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
}))
"""


def run(minutes: float) -> dict[str, Any]:
    from kaltura_sandbox.testing import running_sandbox

    media_dir = Path(os.environ.get("BENCH_MEDIA_DIR") or tempfile.mkdtemp(prefix="ad-bench-media-"))
    media_dir.mkdir(parents=True, exist_ok=True)
    built = time.monotonic()
    with running_sandbox(scenario=scenario(minutes), media_dir=media_dir) as sandbox:
        print(f"sandbox ready with a {minutes:g}-minute entry in {time.monotonic() - built:.0f} s", flush=True)
        home = tempfile.mkdtemp(prefix="ad-bench-")
        env = {
            **os.environ,
            "BENCH_CREDENTIALS": json.dumps(sandbox.credentials),
            "BENCH_TASK": str(TASK_ID),
            "PREFECT_HOME": str(Path(home) / "prefect"),
            "REACHFLOW_HOME": str(Path(home) / "reachflow"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        }
        env.pop("PREFECT_API_URL", None)
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True)
        line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH-RESULT ")), None)
        if line is None:
            raise SystemExit(f"the job failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        return dict(json.loads(line.removeprefix("BENCH-RESULT ")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the entry (default 10)")
    args = parser.parse_args()
    result = run(args.minutes)
    ratio = result["job_seconds"] / result["media_seconds"]
    print(json.dumps(result))
    print(
        f"machine audio description, {result['media_seconds'] / 60:.1f}-minute entry: job {result['job_seconds']:.0f} s "
        f"= {ratio:.2f} x the media's duration; {result['descriptions']} descriptions in {result['pauses']} pauses, "
        f"{result['shots']} shots; peak memory: job process {result['peak_job_mb']} MB, largest child process "
        f"{result['peak_subprocess_mb']} MB"
    )


if __name__ == "__main__":
    main()

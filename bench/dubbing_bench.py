"""A machine dubbing job (English → Spanish) on a long entry: job time ÷ media duration, and peak memory.

One entry of varied English speech (forty sentences in three espeak-ng voices, looped to
``--minutes``, default 10) is dubbed by the real flow: download, decode, recognition, Apertium,
Kokoro Spanish voice, fitting, voice-over mix with EBU R128 loudness, two AAC flavors uploaded,
READY. The parent process synthesises the media and serves the Kaltura sandbox from a thread; the
job runs in a child process that hosts only the flow and the Prefect client (the Prefect test
server is the child's own subprocess), so the child's ``ru_maxrss`` is the job's peak; ffmpeg and
espeak-ng subprocesses are reported apart (largest child).

    BENCH_MEDIA_DIR=/work/bench-media .venv/bin/python bench/dubbing_bench.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reachflow.asr.synthetic import ENGLISH_SENTENCES

SPEECH = [{"text": sentence, "voice": ("en", "en+m3", "en+f3")[i % 3]} for i, sentence in enumerate(ENGLISH_SENTENCES)]
TASK_ID, PARTNER_ID, ENTRY = 9951, 2001, "0_dublong1"


def scenario(minutes: float) -> dict[str, Any]:
    return {
        "vendor": {
            "partner_id": 9000,
            "admin_secret": "v",
            "app_token": {"id": "0_t", "token": "t", "hash_type": "SHA256"},
        },
        "catalog_items": [
            {
                "id": 107,
                "feature": "DUBBING",
                "service_type": "MACHINE",
                "turn_around_time": "FORTY_EIGHT_HOURS",
                "source_language": "English",
                "target_language": "Spanish",
                "flavor_params_id": 1507,
                "clear_audio_flavor_params_id": 1607,
            },
        ],
        "customers": [
            {
                "partner_id": PARTNER_ID,
                "admin_secret": "c",
                "reach_profiles": [{"id": 301}],
                "entries": [
                    {
                        "id": ENTRY,
                        "media_type": "audio",
                        "flavors": ["audio"],
                        "speech": SPEECH,
                        "loop_to_seconds": minutes * 60,
                    },
                ],
                "tasks": [{"id": TASK_ID, "entry": ENTRY, "catalog_item": 107, "reach_profile": 301}],
            }
        ],
    }


def child(credentials: dict[str, Any]) -> None:
    """Run the dubbing job in this process and print what it measured (one JSON line)."""
    from prefect.testing.utilities import prefect_test_harness

    from blocks.kaltura import KalturaVendorAccount
    from flows.dubbing import dubbing_flow

    with prefect_test_harness(server_startup_timeout=900):
        KalturaVendorAccount(
            service_url=credentials["service_url"],
            vendor_partner_id=credentials["vendor_partner_id"],
            vendor_name="bench",
            app_token_id=credentials["app_token_id"],
            app_token=credentials["app_token"],
            app_token_hash_type=credentials["app_token_hash_type"],
        ).save("bench-vendor", overwrite=True)
        started = time.monotonic()
        result = dubbing_flow(task_id=TASK_ID, partner_id=PARTNER_ID, account_block="bench-vendor")
        seconds = time.monotonic() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = result if isinstance(result, dict) else {"state": str(result)}
    print(
        "BENCH "
        + json.dumps(
            {
                "job_seconds": round(seconds, 1),
                "job_cpu_seconds": round(own.ru_utime + own.ru_stime, 1),
                "peak_rss_mb": round(own.ru_maxrss / 1024),
                "largest_subprocess_rss_mb": round(children.ru_maxrss / 1024),
                "subprocess_cpu_seconds": round(children.ru_utime + children.ru_stime, 1),
                "lines": summary.get("lines"),
                "findings": len(summary.get("findings") or []),
                "lines_over_cue_alone": summary.get("lines_over_cue"),
                "lines_into_pause": summary.get("lines_into_pause"),
                "integrated_lufs": summary.get("integrated_lufs"),
                "voice": summary.get("voice"),
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="Length of the entry (default 10).")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    from kaltura_sandbox.testing import running_sandbox

    media = Path(os.environ.get("BENCH_MEDIA_DIR") or Path(tempfile.gettempdir()) / "bench-media")
    media.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="dubbing-bench-"))
    env = {
        **os.environ,
        "PREFECT_HOME": str(home / "prefect"),
        "REACHFLOW_HOME": str(home / "reachflow"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "INFO",  # the phase timings below come from the flow's log
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    env.pop("PREFECT_API_URL", None)
    t0 = time.monotonic()
    with running_sandbox(scenario(args.minutes), media_dir=media) as box:
        entry = box.store.get("entries", ENTRY)
        media_seconds = float(entry["msDuration"]) / 1000.0
        print(f"entry: {media_seconds:.1f} s of speech, synthesised in {time.monotonic() - t0:.0f} s", flush=True)
        out = subprocess.run(
            [sys.executable, __file__, "--child", json.dumps(box.credentials)],
            env=env,
            capture_output=True,
            text=True,
        )
        task = next(t for t in box.store.rows("tasks") if int(t["id"]) == TASK_ID)
        flavors = [f for f in box.store.rows("flavor_assets") if f["entryId"] == ENTRY and f.get("_kind") == "added"]
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        print(out.stdout[-3000:], out.stderr[-3000:], sep="\n")
        raise SystemExit("the job did not report")
    measured = json.loads(line[len("BENCH ") :])
    phases = ("Recogni", "Script:", "Spoke ", "Voice for", "Finished in state")
    for logged in (out.stdout + out.stderr).splitlines():
        if any(p in logged for p in phases):
            print("  log:", logged.strip()[-160:])
    load = os.getloadavg()
    print(json.dumps({"media_seconds": round(media_seconds, 1), **measured}, indent=2))
    print(
        f"dubbing {media_seconds / 60:.1f} min: job {measured['job_seconds']:.0f} s = "
        f"{measured['job_seconds'] / media_seconds:.2f} x media duration "
        f"({measured['job_cpu_seconds'] / media_seconds:.2f} CPU-s per media second in the job process), "
        f"peak RSS {measured['peak_rss_mb']} MB (largest subprocess {measured['largest_subprocess_rss_mb']} MB), "
        f"task status {task['status']}, {len(flavors)} audio flavors, load average {load[0]:.1f}"
    )


if __name__ == "__main__":
    main()

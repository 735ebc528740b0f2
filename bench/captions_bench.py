"""A captions job against recognition alone, and the peak memory of a job on a long entry.

Part 1 (``--minutes-ratio``, default 10): one entry of repeated English speech; the whole captions
job (sandbox download, decode, language check, recognition, captions, delivery, READY) against
recognition alone on the same audio. Target: job ≤ 1.5 × recognition alone.

Part 2 (``--minutes-memory``, default 180): peak resident memory of the process that runs a
captions job on a 3-hour entry (it also hosts the sandbox serving the media, so this is an upper
bound). Target: ≤ 1 GB. Each part runs in its own process so its peak is its own.

    .venv/bin/python bench/captions_bench.py [--minutes-ratio 10] [--minutes-memory 180]
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

from reachflow.asr.synthetic import ENGLISH_SENTENCES

# Forty different sentences (about 4 minutes of speech), looped to the entry's length: varied
# enough that recognition behaves as on real talk (a single repeated sentence sends Whisper into
# its temperature fallbacks and is not representative).
SPEECH = [{"text": sentence, "voice": ("en", "en+m3", "en+f3")[i % 3]} for i, sentence in enumerate(ENGLISH_SENTENCES)]


def run_job(minutes: float) -> dict:
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="bench-prefect-"))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("REACHFLOW_HOME", tempfile.mkdtemp(prefix="bench-home-"))
    from prefect.testing.utilities import prefect_test_harness

    from blocks.kaltura import KalturaVendorAccount
    from flows.captions import captions_flow
    from kaltura_sandbox.testing import running_sandbox

    scenario = {
        "vendor": {"partner_id": 9000, "admin_secret": "v", "app_token": {"id": "0_t", "token": "t", "hash_type": "SHA256"}},
        "catalog_items": [{"id": 101, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS"}],
        "customers": [{"partner_id": 2001, "admin_secret": "c", "reach_profiles": [{"id": 301}],
                       "entries": [{"id": "0_longent1", "media_type": "audio", "flavors": ["audio"],
                                    "speech": SPEECH,
                                    "loop_to_seconds": minutes * 60}],
                       "tasks": [{"id": 9901, "entry": "0_longent1", "catalog_item": 101, "reach_profile": 301}]}],
    }
    media = os.environ.get("BENCH_MEDIA_DIR") or tempfile.mkdtemp(prefix="bench-media-")
    with prefect_test_harness(server_startup_timeout=120):
        t0 = time.perf_counter()
        with running_sandbox(scenario, media_dir=media) as sandbox:
            synth = time.perf_counter() - t0
            creds = sandbox.credentials
            KalturaVendorAccount(service_url=sandbox.base_url, vendor_partner_id=creds["vendor_partner_id"],
                                 app_token_id=creds["app_token_id"], app_token=creds["app_token"]).save("bench", overwrite=True)
            started = time.perf_counter()
            result = captions_flow(task_id=9901, partner_id=2001, account_block="bench")
            job_wall = time.perf_counter() - started
            status = sandbox.store.get("tasks", 9901)["status"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"minutes": minutes, "synthesis_s": round(synth, 1), "job_wall_s": round(job_wall, 1),
            "status": status, "peak_rss_mb": round(peak_mb), **result}


def recognition_alone(minutes: float) -> dict:
    """Recognition only, on the very audio the job decoded, with the same engine settings."""
    from pathlib import Path

    from blocks.engines import SpeechEngineSettings

    home = Path(os.environ["BENCH_JOB_HOME"])
    wav = str(next(home.rglob("audio-16k.wav")))
    engine = SpeechEngineSettings().build_engine("en")
    started = time.perf_counter()
    transcript = engine.transcribe(wav, language="en")
    seconds = time.perf_counter() - started
    return {"recognition_alone_s": round(seconds, 1), "words": len(transcript.words),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def child(kind: str, minutes: float, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, __file__, f"--child-{kind}", str(minutes)], capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child-job":
        print(json.dumps(run_job(float(sys.argv[2]))))
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--child-asr":
        print(json.dumps(recognition_alone(float(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes-ratio", type=float, default=10)
    parser.add_argument("--minutes-memory", type=float, default=180)
    args = parser.parse_args()
    if args.minutes_ratio:
        home = tempfile.mkdtemp(prefix="bench-job-home-")
        job = child("job", args.minutes_ratio, {"REACHFLOW_HOME": home})
        asr = child("asr", args.minutes_ratio, {"BENCH_JOB_HOME": home})
        ratio = job["job_wall_s"] / max(asr["recognition_alone_s"], 0.001)
        print(f"[ratio] {args.minutes_ratio:g} min entry: whole job {job['job_wall_s']} s "
              f"(recognition inside the job {job['recognition_seconds']} s), recognition alone "
              f"{asr['recognition_alone_s']} s -> job / recognition = {ratio:.2f} (target <= 1.5); "
              f"task status {job['status']}", flush=True)
    if args.minutes_memory:
        job = child("job", args.minutes_memory)
        print(f"[memory] {args.minutes_memory:g} min entry: peak RSS of the job process {job['peak_rss_mb']} MB "
              f"(target <= 1024), job {job['job_wall_s']} s, recognition {job['recognition_seconds']} s, "
              f"RTF {job['rtf']}, media synthesis {job['synthesis_s']} s, task status {job['status']}", flush=True)


if __name__ == "__main__":
    main()

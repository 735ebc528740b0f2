"""A captions job against recognition alone, and the peak memory of a job on a long entry.

Part 1 (``--minutes-ratio``, default 10): one entry of repeated English speech; the whole captions
job (sandbox download, decode, language check, recognition, captions, delivery, READY) against
recognition alone on the same audio. Target: job ≤ 1.5 × recognition alone.

Part 2 (``--minutes-memory``, default 180): peak resident memory of the process that runs a
captions job on a 3-hour entry. Target: ≤ 1 GB.

Processes: this (parent) process synthesises the media and serves the Kaltura sandbox from a
thread; each job runs in a child process of its own that hosts only the job and the Prefect client
(the Prefect test server is a subprocess of that child), so the child's ``ru_maxrss`` is the job's
own peak. The child also samples its VmRSS every ``BENCH_SAMPLE_SECONDS`` (default 2) and labels
each sample with the step of the job it fell in (wrappers around the real functions the flow
calls: they only record time and memory), and records whether the process peak (``ru_maxrss``)
rose during each step, so the report says where the peak is.

    BENCH_MEDIA_DIR=/work/bench-media .venv/bin/python bench/captions_bench.py \
        [--minutes-ratio 10] [--minutes-memory 180]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reachflow.asr.synthetic import ENGLISH_SENTENCES

# Forty different sentences (about 4 minutes of speech), looped to the entry's length: varied
# enough that recognition behaves as on real talk (a single repeated sentence sends Whisper into
# its temperature fallbacks and is not representative).
SPEECH = [{"text": sentence, "voice": ("en", "en+m3", "en+f3")[i % 3]} for i, sentence in enumerate(ENGLISH_SENTENCES)]
TASK_ID, PARTNER_ID = 9901, 2001


def scenario(minutes: float) -> dict[str, Any]:
    # --all-options: every profile option that adds work after recognition (speaker change and
    # ids, audio tags, profanity, keywords): the heaviest captions job.
    every = os.environ.get("BENCH_ALL_OPTIONS") == "1"
    profile: dict[str, Any] = {"id": 301}
    if every:
        profile.update(
            enable_speaker_change_indication=True,
            enable_audio_tags=True,
            enable_profanity_removal=True,
            enable_metadata_extraction=True,
        )
    return {
        "vendor": {
            "partner_id": 9000,
            "admin_secret": "v",
            "app_token": {"id": "0_t", "token": "t", "hash_type": "SHA256"},
        },
        "catalog_items": [
            {
                "id": 101,
                "feature": "CAPTIONS",
                "service_type": "MACHINE",
                "turn_around_time": "TWO_HOURS",
                "enable_speaker_id": every,
            }
        ],
        "customers": [
            {
                "partner_id": PARTNER_ID,
                "admin_secret": "c",
                "reach_profiles": [profile],
                "entries": [
                    {
                        "id": "0_longent1",
                        "media_type": "audio",
                        "flavors": ["audio"],
                        "speech": SPEECH,
                        "loop_to_seconds": minutes * 60,
                    }
                ],
                "tasks": [{"id": TASK_ID, "entry": "0_longent1", "catalog_item": 101, "reach_profile": 301}],
            }
        ],
    }


# --------------------------------------------------------------------------------------------
# Memory of the job process: sampled VmRSS, labelled by step, and the peak (ru_maxrss) per step


def _vm_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class MemoryTimeline:
    """VmRSS samples in a background thread; ``step(name)`` labels the samples taken inside it."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.t0 = time.monotonic()
        self.label = "start"
        self.samples: list[tuple[float, float, str]] = []
        self.steps: list[dict[str, Any]] = []
        self._stack: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _sample(self) -> None:
        with self._lock:
            self.samples.append((round(time.monotonic() - self.t0, 1), round(_vm_rss_mb(), 1), self.label))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()

    def start(self) -> None:
        self._sample()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def mark(self, label: str) -> None:
        self.label = label
        self._sample()

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        outer = self.label
        self._stack.append(name)
        label = "/".join(self._stack)
        self.mark(label)
        peak_before, started = _max_rss_mb(), time.monotonic()
        try:
            yield
        finally:
            peak_after = _max_rss_mb()
            self._sample()
            self.steps.append(
                {
                    "step": label,
                    "seconds": round(time.monotonic() - started, 1),
                    "peak_before_mb": round(peak_before),
                    "peak_after_mb": round(peak_after),
                }
            )
            self._stack.pop()
            self.mark(f"after {name}" if not self._stack else outer)

    def wrap(self, owner: Any, attribute: str, name: str | None = None) -> None:
        """Time the real ``owner.attribute`` as a step (nothing else about it changes)."""
        original: Callable[..., Any] = getattr(owner, attribute)
        timeline = self

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with timeline.step(name or attribute):
                return original(*args, **kwargs)

        setattr(owner, attribute, timed)

    def summary(self) -> dict[str, Any]:
        by_label: dict[str, dict[str, Any]] = {}
        for t, rss, label in self.samples:
            row = by_label.setdefault(label, {"label": label, "first_s": t, "last_s": t, "max_rss_mb": rss, "at_s": t})
            row["last_s"] = t
            if rss > row["max_rss_mb"]:
                row["max_rss_mb"], row["at_s"] = rss, t
        top = sorted(self.samples, key=lambda s: -s[1])[:8]
        return {
            "sample_every_s": self.every,
            "phases": list(by_label.values()),
            "steps": self.steps,
            "top_samples": [{"t_s": t, "rss_mb": rss, "label": label} for t, rss, label in top],
        }


def _instrument(timeline: MemoryTimeline) -> None:
    """Label the steps of the captions job (the flow imports most of these inside its tasks)."""
    import flows.captions
    import reachflow.asr.language
    import reachflow.asr.nonspeech
    import reachflow.speakers
    import tasks.delivery
    import tasks.media
    from reachflow.asr.faster import FasterWhisperEngine

    for owner, attribute, name in [
        (tasks.media, "download_progressive", "fetch: download"),
        (tasks.media, "download_hls", "fetch: hls"),
        (tasks.media, "decode_to_wav", "decode: ffmpeg"),
        (reachflow.asr.nonspeech, "ensure_audible", "decode: audible check"),
        (reachflow.asr.language, "identify_language", "recognize: language id"),
        (FasterWhisperEngine, "transcribe", "recognize: transcribe"),
        (reachflow.speakers, "detect_speaker_changes", "captions: speaker changes"),
        (reachflow.speakers, "assign_speakers", "captions: assign speakers"),
        (reachflow.asr.nonspeech, "detect_non_speech", "captions: audio tags"),
        (flows.captions, "build_cues", "captions: cues"),
        (flows.captions, "style_findings", "captions: findings"),
        (flows.captions, "extract_keywords", "captions: keywords"),
        (flows.captions, "render", "captions: render"),
        (flows.captions, "render_txt", "captions: render txt"),
        (flows.captions, "render_dfxp", "captions: render dfxp"),
        (tasks.delivery, "deliver_caption_package", "deliver"),
    ]:
        timeline.wrap(owner, attribute, name)
    if os.environ.get("BENCH_DEEP"):
        # Inside recognition too (with BENCH_SAMPLE_SECONDS=0.1 or so): model loads, VAD,
        # features, decoding (a generator: the step lasts while it is consumed), the guard.
        import faster_whisper.transcribe

        import reachflow.asr.faster as faster

        whisper = faster_whisper.transcribe.WhisperModel
        for owner, attribute, name in [
            (whisper, "__init__", "model load"),
            (whisper, "detect_language", "detect language"),
            (faster, "speech_regions", "vad"),
            (faster.chunked_feature_extractor_class(), "__call__", "features"),
            (FasterWhisperEngine, "_guard", "guard"),
            (faster, "release_memory", "trim"),
        ]:
            timeline.wrap(owner, attribute, name)
        original = whisper.generate_segments

        def generate_segments(*args: Any, **kwargs: Any) -> Iterator[Any]:
            with timeline.step("decode"):
                yield from original(*args, **kwargs)

        whisper.generate_segments = generate_segments


# --------------------------------------------------------------------------------------------
# The job child


def run_job(minutes: float) -> dict[str, Any]:
    """One captions job against the sandbox the parent serves (``BENCH_SANDBOX``: URL, secrets)."""
    timeline = MemoryTimeline(float(os.environ.get("BENCH_SAMPLE_SECONDS", "2")))
    timeline.start()
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="bench-prefect-"))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("REACHFLOW_HOME", tempfile.mkdtemp(prefix="bench-home-"))
    sandbox = json.loads(os.environ["BENCH_SANDBOX"])
    with timeline.step("imports"):
        from prefect.testing.utilities import prefect_test_harness

        from blocks.kaltura import KalturaVendorAccount
        from flows.captions import captions_flow
    _instrument(timeline)
    with prefect_test_harness(server_startup_timeout=120):
        creds = sandbox["credentials"]
        KalturaVendorAccount(
            service_url=sandbox["base_url"],
            vendor_partner_id=creds["vendor_partner_id"],
            app_token_id=creds["app_token_id"],
            app_token=creds["app_token"],
        ).save("bench", overwrite=True)
        before_job = _max_rss_mb()
        timeline.mark("job")
        started = time.perf_counter()
        result = captions_flow(task_id=TASK_ID, partner_id=PARTNER_ID, account_block="bench")
        job_wall = time.perf_counter() - started
        timeline.mark("after job")
    timeline.stop()
    if not isinstance(result, dict):
        result = {"flow_state": repr(result)[:300]}
    return {
        "minutes": minutes,
        "job_wall_s": round(job_wall, 1),
        "peak_rss_mb": round(_max_rss_mb()),
        "peak_rss_before_job_mb": round(before_job),
        "memory": timeline.summary(),
        **result,
    }


def recognition_alone(minutes: float) -> dict[str, Any]:
    """Recognition only, on the very audio the job decoded, with the same engine settings."""
    from blocks.engines import SpeechEngineSettings

    home = Path(os.environ["BENCH_JOB_HOME"])
    wav = str(next(home.rglob("audio-16k.wav")))
    engine = SpeechEngineSettings().build_engine("en")
    started = time.perf_counter()
    transcript = engine.transcribe(wav, language="en")
    seconds = time.perf_counter() - started
    return {
        "recognition_alone_s": round(seconds, 1),
        "words": len(transcript.words),
        "peak_rss_mb": round(_max_rss_mb()),
    }


# --------------------------------------------------------------------------------------------
# The parent: media, sandbox, children, report


def child(kind: str, minutes: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, f"--child-{kind}", str(minutes)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def sandbox_for(minutes: float) -> Iterator[tuple[Any, dict[str, str], float]]:
    """The sandbox served from this process (not the job's), and the job child's environment."""
    from kaltura_sandbox.testing import running_sandbox

    media = os.environ.get("BENCH_MEDIA_DIR") or tempfile.mkdtemp(prefix="bench-media-")
    t0 = time.perf_counter()
    with running_sandbox(scenario(minutes), media_dir=Path(media)) as sandbox:
        synthesis = time.perf_counter() - t0
        env = {"BENCH_SANDBOX": json.dumps({"base_url": sandbox.base_url, "credentials": sandbox.credentials})}
        yield sandbox, env, synthesis


def job_with_sandbox(minutes: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    with sandbox_for(minutes) as (sandbox, sandbox_env, synthesis):
        job = child("job", minutes, {**(env or {}), **sandbox_env})
        status = sandbox.store.get("tasks", TASK_ID)["status"]
    from kaltura_sandbox.scenario import STATUSES

    names = {v: k for k, v in STATUSES.items()}
    return {**job, "synthesis_s": round(synthesis, 1), "status": names.get(int(status), status)}


def print_memory(job: dict[str, Any]) -> None:
    memory = job["memory"]
    print(
        f"  job process: peak RSS (ru_maxrss) {job['peak_rss_mb']} MB; {job['peak_rss_before_job_mb']} MB "
        f"before the flow started (imports, Prefect client, test-harness setup)",
        flush=True,
    )
    print(f"  VmRSS sampled every {memory['sample_every_s']:g} s, by phase (max, and when):", flush=True)
    for row in memory["phases"]:
        print(
            f"    {row['label']:<36} {row['first_s']:>8.1f}–{row['last_s']:<8.1f} s  max {row['max_rss_mb']:>7.1f} MB "
            f"at {row['at_s']:.1f} s",
            flush=True,
        )
    print("  steps that raised the process peak (ru_maxrss before -> after):", flush=True)
    for step in memory["steps"]:
        if step["peak_after_mb"] > step["peak_before_mb"]:
            print(
                f"    {step['step']:<36} {step['seconds']:>8.1f} s  {step['peak_before_mb']} -> {step['peak_after_mb']} MB",
                flush=True,
            )
    print(
        "  highest samples: "
        + ", ".join(f"{s['rss_mb']:.0f} MB at {s['t_s']:.0f} s ({s['label']})" for s in memory["top_samples"][:5]),
        flush=True,
    )


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
    parser.add_argument("--json", type=Path, help="Also write every figure (timelines included) to this file.")
    parser.add_argument(
        "--all-options",
        action="store_true",
        help="Turn on every profile option (speaker ids and change, audio tags, profanity, keywords).",
    )
    args = parser.parse_args()
    if args.all_options:
        os.environ["BENCH_ALL_OPTIONS"] = "1"
    results: dict[str, Any] = {}
    if args.minutes_ratio:
        home = tempfile.mkdtemp(prefix="bench-job-home-")
        job = job_with_sandbox(args.minutes_ratio, {"REACHFLOW_HOME": home})
        asr = child("asr", args.minutes_ratio, {"BENCH_JOB_HOME": home})
        ratio = job["job_wall_s"] / max(asr["recognition_alone_s"], 0.001)
        print(
            f"[ratio] {args.minutes_ratio:g} min entry: whole job {job['job_wall_s']} s "
            f"(recognition inside the job {job.get('recognition_seconds')} s), recognition alone "
            f"{asr['recognition_alone_s']} s -> job / recognition = {ratio:.2f} (target <= 1.5); "
            f"task status {job['status']}",
            flush=True,
        )
        print_memory(job)
        results["ratio"] = {"job": job, "recognition_alone": asr, "ratio": round(ratio, 3)}
    if args.minutes_memory:
        job = job_with_sandbox(args.minutes_memory)
        print(
            f"[memory] {args.minutes_memory:g} min entry: peak RSS of the job process {job['peak_rss_mb']} MB "
            f"(target <= 1024; sandbox served from another process), job {job['job_wall_s']} s, recognition "
            f"{job.get('recognition_seconds')} s, RTF {job.get('rtf')}, media synthesis {job['synthesis_s']} s, "
            f"task status {job['status']}",
            flush=True,
        )
        print_memory(job)
        results["memory"] = job
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

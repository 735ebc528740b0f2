"""The fault soak: the whole system under faults and kills, judged through the Kaltura API only.

    .venv/bin/python bench/soak.py [--jobs 200] [--customers 5] [--seed 7] [--timeout SECONDS] [--postgres]
    make soak SOAK_ARGS="--jobs 30"      make soak-postgres

1. Generates a scenario of N machine-captions tasks across several customers: good media (short
   English speech), bad media (no audio track, silent, undecodable) and a backlog whose accessKey
   already expired, plus a fault plan of every kind the sandbox has (HTTP 5xx, delays past the
   client timeout, dropped connections before and after the work, Kaltura error codes, sessions
   that expire early), seeded.
2. Brings the system up on free ports: the sandbox (in this process, so the plan's counters can be
   read), a Prefect server (SQLite under ``var/soak``; with ``--postgres`` a throwaway PostgreSQL
   cluster, reachflow.app.postgres), the vendor block, the work pool, every
   deployment of ``prefect.yaml``, the zombie-run automation, and a worker.
3. While discovery (every 30 s) and reconcile (every 45 s) run (on their own work queue and worker): SIGKILLs flow-run processes, kills
   and restarts the worker once, kills and restarts the Prefect server once.
4. When every task is final (or at the timeout) it judges through the Kaltura API: every task READY
   or ERROR with a specific errDescription, good media READY with its caption asset as
   outputObjectId holding real captions, bad media ERROR with the media's reason, no duplicate
   asset of any kind, no lost result, no secret (app token, admin secrets, KS, accessKey) in any log
   file, flow-run log, artifact, flow-run parameter or state message, or errDescription.
5. Prints one line of figures and exits non-zero when any figure is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

PROJECT = Path(__file__).resolve().parent.parent
ROOT = PROJECT / "var" / "soak"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

GOOD_LINES = [
    "Welcome to the course. Today we learn how captions are made.",
    "Good morning everyone. The survey reached four thousand students.",
    "Please wash your hands before every visit to the laboratory.",
    "The projector is broken again, so we will talk instead.",
]
BAD_KINDS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {  # entry spec, errDescription prefixes
    "noaudio": (
        {"speech": [{"text": "Nobody hears this."}], "flavors": ["video_only"]},
        ("media has no audio track", "no usable flavor"),
    ),
    "silent": ({"speech": [{"silence": 3.0}], "flavors": ["audio"]}, ("media has no audible sound",)),
    "broken": (
        {"speech": [{"text": "Broken bytes."}], "flavors": ["broken"]},
        ("media could not be decoded", "no usable flavor"),
    ),
}
WRITES = [
    ("caption_captionasset", "add"),
    ("caption_captionasset", "setContent"),
    ("caption_captionasset", "update"),
    ("attachment_attachmentasset", "add"),
    ("attachment_attachmentasset", "setContent"),
    ("reach_entryvendortask", "updateJob"),
    ("uploadtoken", "upload"),
    ("baseentry", "update"),
]
CLIENT_TIMEOUT = 8  # the vendor block's request timeout: `delay` faults wait longer than this
MIN_FAULTS = 100  # faults fired in all, at any size
SECONDS_PER_JOB = 50  # the default limit, per job: 200 jobs → 2 h 47 min
FLOOR_PER_KIND = 4  # each kind fires at least about this often, at any size
FAULT_KINDS = ("http_error", "delay", "drop", "drop_after", "kaltura_error", "expire_session")


def default_timeout(jobs: int) -> int:
    """Seconds before the soak judges whatever state the tasks are in, when ``--timeout`` is not given.

    The limit is there to name a stuck run, not to time the machine: the soak ends as soon as every
    task is final. The 200-job soak on SQLite (2026-12-02, 2 cores, one worker × 2) finished 1.7 tasks
    a minute and was cut at a fixed 90 minutes with 44 tasks still queued or running; the limit now
    grows with the jobs (``SECONDS_PER_JOB``), at least 30 minutes.
    """
    return max(1800, SECONDS_PER_JOB * jobs)


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------------------------------------
# Scenario and fault plan


@dataclass
class Expectation:
    """What each task must end as: READY (good media) or ERROR starting with ``reason``."""

    good: dict[int, int] = field(default_factory=dict)  # task id -> partner id
    bad: dict[int, tuple[str, ...]] = field(default_factory=dict)  # task id -> errDescription prefixes
    partner_of: dict[int, int] = field(default_factory=dict)


def generate_scenario(jobs: int, customers: int, seed: int) -> tuple[dict[str, Any], Expectation]:
    """N machine-captions tasks across ``customers`` partners; about 1 in 8 has bad media and
    1 in 20 waits with an already expired accessKey."""
    rng = random.Random(seed)
    expect = Expectation()
    partners: list[dict[str, Any]] = []
    for c in range(customers):
        pid = 3001 + c
        entries = [
            {"id": f"0_good{c:02d}{i}", "speech": [{"text": line}], "flavors": ["source", "audio"]}
            for i, line in enumerate(GOOD_LINES)
        ]
        entries += [{"id": f"0_{kind}{c:02d}", **spec} for kind, (spec, _) in BAD_KINDS.items()]
        partners.append(
            {
                "partner_id": pid,
                "admin_secret": f"soak-customer-secret-{pid}-{rng.getrandbits(64):x}",
                "reach_profiles": [{"id": 400 + c}],
                "entries": entries,
                "tasks": [],
            }
        )
    for n in range(jobs):
        c = n % customers
        partner = partners[c]
        task_id = 50_000 + n
        task: dict[str, Any] = {
            "id": task_id,
            "catalog_item": 101,
            "reach_profile": 400 + c,
            "created": f"-{rng.randint(1, 90)}m",
        }
        roll = rng.random()
        if roll < 0.125:
            kind = list(BAD_KINDS)[n % len(BAD_KINDS)]
            task["entry"] = f"0_{kind}{c:02d}"
            expect.bad[task_id] = BAD_KINDS[kind][1]
        else:
            task["entry"] = f"0_good{c:02d}{rng.randrange(len(GOOD_LINES))}"
            if roll > 0.95:
                task["access_key_expires"] = "-1m"  # a backlog older than its key
            expect.good[task_id] = partner["partner_id"]
        expect.partner_of[task_id] = partner["partner_id"]
        partner["tasks"].append(task)
    scenario = {
        "vendor": {
            "partner_id": 9000,
            "admin_secret": f"soak-vendor-secret-{rng.getrandbits(64):x}",
            "app_token": {"id": "0_soaktok", "token": f"soak-app-token-{rng.getrandbits(96):x}", "hash_type": "SHA256"},
        },
        "catalog_items": [
            {"id": 101, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS"}
        ],
        "customers": partners,
    }
    return scenario, expect


def fault_plan(seed: int, jobs: int = 200) -> dict[str, Any]:
    """Every kind of fault the sandbox has, on reads and on writes, firing at least
    ``MIN_FAULTS`` times and every kind at least ``FLOOR_PER_KIND`` times at any size.

    Random rules alone leave a rare kind unfired in a short soak (a 30-job soak once saw no
    ``delay``), so each kind also has a counted rule: it fires on every n-th matching call, n
    chosen from the calls a job makes (about one ``flavorAsset.list`` and a dozen calls in all),
    so a small soak gets its share and a large one is not drowned in faults.
    """
    scale = max(1.0, 60 / max(jobs, 1))  # a short soak makes fewer calls: fire more often
    every = max(2, min(10, jobs // FLOOR_PER_KIND))  # flavorAsset.list is called about once per job
    rules: list[dict[str, Any]] = [
        {"service": "*", "action": "*", "kind": "http_error", "status": 503, "probability": 0.02 * scale},
        {"service": "*", "action": "*", "kind": "drop", "probability": 0.015 * scale},
        {
            "service": "*",
            "action": "*",
            "kind": "kaltura_error",
            "code": "INTERNAL_SERVERL_ERROR",
            "probability": 0.015 * scale,
        },
        # Delays past the client timeout: counted, not random (each costs a job ~10 s).
        {
            "service": "flavorasset",
            "action": "list",
            "kind": "delay",
            "delay_seconds": CLIENT_TIMEOUT + 2,
            "every_nth": every,
        },
        # The floor of every other kind, on calls every job makes.
        {
            "service": "baseentry",
            "action": "getPlaybackContext",
            "kind": "http_error",
            "status": 502,
            "every_nth": every,
        },
        {"service": "reach_entryvendortask", "action": "get", "kind": "drop", "every_nth": every},
        {"service": "caption_captionasset", "action": "list", "kind": "kaltura_error", "every_nth": every},
        {
            "service": "apptoken",
            "action": "startSession",
            "kind": "expire_session",
            "expire_after_seconds": 20,
            "probability": 0.5,
        },
        {
            "service": "reach_entryvendortask",
            "action": "extendAccessKey",
            "kind": "expire_session",
            "expire_after_seconds": 20,
            "probability": 0.5,
        },
    ]
    rules += [{"service": s, "action": a, "kind": "drop_after", "probability": 0.12} for s, a in WRITES]
    return {"seed": seed, "rules": rules}


# ---------------------------------------------------------------------------------------------
# Processes


class Proc:
    """A child process in its own session, logging to a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name, self.args, self.env = name, args, env
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        out = open(ROOT / "logs" / f"{self.name}.log", "ab")
        self.proc = subprocess.Popen(
            self.args, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=PROJECT
        )

    def kill(self, group: bool = True) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with suppress(ProcessLookupError):
                if group:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                else:
                    os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def flow_run_pids() -> dict[int, str]:
    """Processes running a flow run of this soak (the worker's children, and orphans left by a
    killed worker): pid -> flow run id."""
    mark = f"REACHFLOW_SOAK_MARK={os.getpid()}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (entry / "environ").read_bytes().split(b"\0")
            if "prefect.engine" in cmdline and mark in environ:
                run_id = next(
                    (v.split(b"=", 1)[1].decode() for v in environ if v.startswith(b"PREFECT__FLOW_RUN_ID=")), ""
                )
                found[int(entry.name)] = run_id
    return found


async def captions_runs(run_ids: list[str]) -> list[str]:
    """The ids among ``run_ids`` that are captions jobs (the runs worth killing)."""
    from prefect.client.orchestration import get_client

    keep = []
    async with get_client() as client:
        for run_id in run_ids:
            with suppress(Exception):
                if (await client.read_flow_run(UUID(run_id))).name.startswith("captions-"):
                    keep.append(run_id)
    return keep


async def run_deployment(name: str) -> None:
    """Start a run of a deployment now (in this process: a `prefect deployment run` process per
    cycle would cost the jobs a Python start every 30 s)."""
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        deployment = await client.read_deployment_by_name(name)
        await client.create_flow_run_from_deployment(deployment.id)


async def runs_of_tasks(task_ids: list[int]) -> dict[int, list[str]]:
    """Each task's flow runs as "name state" (why a task is unfinished when the soak judges it)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    from reachflow.routing import TAG_PREFIX_TASK

    found: dict[int, list[str]] = {}
    async with get_client() as client:
        for task_id in task_ids:
            with suppress(Exception):
                runs = await client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"{TAG_PREFIX_TASK}{task_id}"]))
                )
                found[task_id] = [f"{r.name} {r.state_name} {r.state.timestamp:%H:%M:%S}" for r in runs if r.state]
    return found


def wait_http(url: str, timeout: float, method: str = "GET") -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(httpx.HTTPError):
            if httpx.request(method, url, timeout=3).status_code < 500:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s")


def run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, cwd=PROJECT)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed: {result.stdout[-500:]} {result.stderr[-800:]}")


# ---------------------------------------------------------------------------------------------
# Judging (Kaltura API only, plus where secrets could leak)


def kaltura(base_url: str, secret: str, partner_id: int) -> Any:
    from KalturaClient import KalturaClient, KalturaConfiguration
    from KalturaClient.Plugins.Core import KalturaSessionType

    client = KalturaClient(KalturaConfiguration(base_url))
    client.setKs(client.session.start(secret, "", KalturaSessionType.ADMIN, partner_id, 86400, "disableentitlement"))
    return client


def all_tasks(base_url: str, creds: dict[str, Any]) -> list[Any]:
    from KalturaClient.Plugins.Core import KalturaFilterPager
    from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter

    client = kaltura(base_url, creds["vendor_admin_secret"], creds["vendor_partner_id"])
    tasks: list[Any] = []
    page = 1
    while True:
        f = KalturaEntryVendorTaskFilter()
        f.statusIn = "1,2,3,4,5,6,7,8,9"
        result = client.reach.entryVendorTask.list(f, KalturaFilterPager(pageSize=500, pageIndex=page))
        tasks += result.objects or []
        if len(result.objects or []) < 500:
            return tasks
        page += 1


def judge(base_url: str, creds: dict[str, Any], expect: Expectation) -> dict[str, Any]:
    """READY/ERROR figures, duplicates and lost results, read through the Kaltura API."""
    import httpx
    import pysubs2
    from KalturaClient.Plugins.Attachment import KalturaAttachmentAssetFilter
    from KalturaClient.Plugins.Caption import KalturaCaptionAssetFilter
    from KalturaClient.Plugins.Core import KalturaFilterPager

    tasks = {int(t.id): t for t in all_tasks(base_url, creds)}
    status = {tid: int(t.status.getValue()) for tid, t in tasks.items()}
    figures: dict[str, Any] = {
        "READY": 0,
        "ERROR": Counter(),
        "unfinished": 0,
        "unfinished_ids": [],
        "lost": 0,
        "duplicates": 0,
        "wrong": 0,
        "problems": [],
    }
    assets: dict[tuple[int, str], list[Any]] = {}
    for customer in creds["customers"]:
        client = kaltura(base_url, customer["admin_secret"], customer["partner_id"])
        entry_ids = ",".join(e.id for e in client.baseEntry.list(None, KalturaFilterPager(pageSize=500)).objects or [])
        for kind, lister, flt in (
            ("caption", client.caption.captionAsset, KalturaCaptionAssetFilter()),
            ("attachment", client.attachment.attachmentAsset, KalturaAttachmentAssetFilter()),
        ):
            flt.entryIdIn = entry_ids
            page = 1
            while True:
                objects = lister.list(flt, KalturaFilterPager(pageSize=500, pageIndex=page)).objects or []
                for asset in objects:
                    tags = {t.strip() for t in (asset.tags or "").split(",")}
                    task_tags = [t for t in tags if t.startswith("reachflow-task-")]
                    roles = sorted(t for t in tags if t.startswith("reachflow-") and t not in task_tags)
                    for tag in task_tags:
                        assets.setdefault((int(tag.rsplit("-", 1)[1]), f"{kind}:{','.join(roles)}"), []).append(asset)
                if len(objects) < 500:
                    break
                page += 1
        figures["_client_" + str(customer["partner_id"])] = client
    for (tid, role), found in assets.items():
        if len(found) > 1:
            figures["duplicates"] += len(found) - 1
            figures["problems"].append(f"task {tid}: {len(found)} assets {role}")
    for tid, t in tasks.items():
        st = status[tid]
        if st not in (2, 6):
            figures["unfinished"] += 1
            figures["unfinished_ids"].append(tid)
            figures["problems"].append(f"task {tid} still {st}")
            continue
        if st == 6:
            reason = (t.errDescription or "").strip()
            bucket = re.split(r"[:(]", reason)[0].strip() or "(empty)"
            figures["ERROR"][bucket] += 1
            if tid in expect.good:
                figures["lost"] += 1
                figures["problems"].append(f"task {tid} (good media) ERROR: {reason}")
            elif tid in expect.bad and not reason.startswith(expect.bad[tid]):
                figures["wrong"] += 1
                figures["problems"].append(f"task {tid} ERROR with '{reason}', expected '{expect.bad[tid]}'")
            continue
        figures["READY"] += 1
        if tid in expect.bad:
            figures["wrong"] += 1
            figures["problems"].append(f"task {tid} (bad media) READY")
            continue
        captions = assets.get((tid, "caption:reachflow-caption"), [])
        client = figures["_client_" + str(expect.partner_of[tid])]
        ok = bool(captions) and t.outputObjectId == captions[0].id and int(captions[0].status.getValue()) == 2
        if ok:
            text = httpx.get(client.caption.captionAsset.getUrl(captions[0].id), timeout=30).text
            try:
                ok = len(pysubs2.SSAFile.from_string(text)) >= 1
            except Exception:
                ok = False
        transcripts = [k for k in assets if k[0] == tid and k[1].startswith("attachment:")]
        if not ok or len(transcripts) != 2:
            figures["lost"] += 1
            figures["problems"].append(f"task {tid} READY without its captions/transcripts")
    figures["errors_text"] = [t.errDescription or "" for t in tasks.values() if status[t.id] == 6]
    figures["access_keys"] = [t.accessKey for t in tasks.values() if t.accessKey]
    return figures


KS_PATTERN = re.compile(r"djJ8[A-Za-z0-9_\-+/=]{20,}")


async def prefect_texts() -> list[str]:
    """Flow-run logs, artifacts, parameters and state messages, from the Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter
    from prefect.client.schemas.sorting import LogSort

    texts: list[str] = []
    async with get_client() as client:
        offset = 0
        while True:
            runs = await client.read_flow_runs(limit=200, offset=offset)
            for run in runs:
                texts.append(repr(run.parameters))
                if run.state is not None:
                    texts.append(run.state.message or "")
            if len(runs) < 200:
                break
            offset += 200
        offset = 0
        while True:
            logs = await client.read_logs(log_filter=LogFilter(), limit=200, offset=offset, sort=LogSort.TIMESTAMP_ASC)
            texts += [entry.message for entry in logs]
            if len(logs) < 200:
                break
            offset += 200
        offset = 0
        while True:
            artifacts = await client.read_artifacts(limit=200, offset=offset)
            texts += [str(a.data) + " " + str(a.description) for a in artifacts]
            if len(artifacts) < 200:
                break
            offset += 200
    return texts


def leaks(secrets: list[str], texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        if KS_PATTERN.search(text):
            found.append("a KS: " + KS_PATTERN.search(text).group(0)[:12] + "...")  # type: ignore[union-attr]
        for secret in secrets:
            if secret and secret in text:
                found.append(f"a secret ({secret[:6]}...)")
    return found


# ---------------------------------------------------------------------------------------------
# The soak


def soak(args: argparse.Namespace) -> int:
    if not args.postgres:
        return _soak(args, database_url=None)
    from reachflow.app.postgres import throwaway_postgres

    with throwaway_postgres() as cluster:
        log(f"Prefect's database: PostgreSQL {cluster.url}")
        return _soak(args, database_url=cluster.url)


def _soak(args: argparse.Namespace, database_url: str | None) -> int:
    started = time.monotonic()
    shutil.rmtree(ROOT, ignore_errors=True)
    (ROOT / "logs").mkdir(parents=True)
    (ROOT / "work").mkdir()
    prefect_port = free_port()
    api_url = f"http://{HOST}:{prefect_port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(ROOT / "prefect"),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "REACHFLOW_PROJECT_DIR": str(PROJECT),
        "REACHFLOW_HOME": str(ROOT / "work"),
        "REACHFLOW_RESTART_GRACE_SECONDS": "20",
        "REACHFLOW_MAX_RESTARTS": "6",
        "REACHFLOW_SOAK_MARK": str(os.getpid()),
        "PYTHONPATH": str(PROJECT),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **({"PREFECT_API_DATABASE_CONNECTION_URL": database_url} if database_url else {}),
    }
    os.environ.update({k: v for k, v in env.items() if k.startswith(("PREFECT_", "REACHFLOW_"))})
    from kaltura_sandbox.faults import FaultPlan
    from kaltura_sandbox.testing import running_sandbox

    if args.scenario:
        import yaml

        scenario = yaml.safe_load(Path(args.scenario).read_text())
        expect = Expectation()
    else:
        scenario, expect = generate_scenario(args.jobs, args.customers, args.seed)
    plan_data = fault_plan(args.seed, args.jobs)
    if args.faults:
        import yaml

        plan_data = yaml.safe_load(Path(args.faults).read_text())
    plan = FaultPlan.from_dict(plan_data)
    procs: list[Proc] = []
    kills = worker_restarts = server_restarts = 0
    log(f"{args.jobs} jobs, {args.customers} customers; logs in {ROOT / 'logs'}")
    with running_sandbox(scenario, faults=plan, media_dir=PROJECT / "var" / "sandbox-media") as box:
        creds = box.credentials
        # Faults start once the system is up: a plan firing during setup only tests the setup.
        saved_rules, plan.rules = plan.rules, []
        try:
            server_args = [str(BIN / "prefect"), "server", "start", "--host", HOST, "--port", str(prefect_port)]
            server = Proc("prefect-server", server_args, env)
            procs.append(server)
            wait_http(f"{api_url}/health", 180)
            from blocks.kaltura import KalturaVendorAccount

            KalturaVendorAccount(
                service_url=box.base_url,
                vendor_partner_id=creds["vendor_partner_id"],
                vendor_name="soak",
                app_token_id=creds["app_token_id"],
                app_token=creds["app_token"],
                app_token_hash_type=creds.get("app_token_hash_type", "SHA256"),
                request_timeout_seconds=CLIENT_TIMEOUT,
                ks_expiry_seconds=3600,
            ).save("reachflow-vendor", overwrite=True)
            run([str(BIN / "prefect"), "work-pool", "create", "reachflow", "--type", "process", "--overwrite"], env)
            run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], env)
            from flows.alerts import install_zombie_detection

            asyncio.run(install_zombie_detection())
            worker_args = [
                str(BIN / "prefect"),
                "worker",
                "start",
                "--pool",
                "reachflow",
                "--work-queue",
                "default",
                "--limit",
                str(args.worker_limit),
            ]
            # Several workers on one pool stand for several machines; the first is the one killed.
            workers = [Proc(f"worker-{n + 1}", worker_args, env) for n in range(args.workers)]
            procs.extend(workers)
            worker = workers[0]
            control_args = [
                str(BIN / "prefect"),
                "worker",
                "start",
                "--pool",
                "reachflow",
                "--work-queue",
                "control",
                "--limit",
                "2",
            ]
            procs.append(Proc("control-worker", control_args, env))
            plan.rules = saved_rules
            log("system up; faults on")
            rng = random.Random(args.seed)
            last_discovery = last_reconcile = last_kill = 0.0
            worker_done = server_done = False
            total = len(expect.good) + len(expect.bad) or args.jobs
            deadline = time.monotonic() + args.timeout
            final = 0
            while time.monotonic() < deadline:
                now = time.monotonic()
                with suppress(Exception):
                    if now - last_discovery > 30:
                        asyncio.run(run_deployment("reach-discovery/discovery"))
                        last_discovery = now
                    if now - last_reconcile > 45:
                        asyncio.run(run_deployment("reach-reconcile/reconcile"))
                        last_reconcile = now
                with suppress(Exception):
                    statuses = Counter(int(t.status.getValue()) for t in all_tasks(box.base_url, creds))
                    final = statuses[2] + statuses[6]
                    if final >= total and sum(statuses.values()) == final:
                        break
                progress = final / max(total, 1)
                if kills < args.kills and now - last_kill > args.kill_every:
                    running = flow_run_pids()
                    jobs_running = set(asyncio.run(captions_runs(list(running.values()))))
                    pids = sorted(pid for pid, run_id in running.items() if run_id in jobs_running)
                    if pids:
                        victim = rng.choice(pids)
                        with suppress(ProcessLookupError):
                            os.kill(victim, signal.SIGKILL)
                            kills += 1
                            log(f"SIGKILL flow-run process {victim} ({final}/{total} final)")
                        last_kill = now
                if not worker_done and progress >= 0.25:
                    worker.kill(group=False)
                    log("killed the worker; restarting it in 5 s")
                    time.sleep(5)
                    worker.start()
                    worker_done, worker_restarts = True, worker_restarts + 1
                if not server_done and progress >= 0.5:
                    server.kill()
                    log("killed the Prefect server; restarting it in 5 s")
                    time.sleep(5)
                    server.start()
                    wait_http(f"{api_url}/health", 180)
                    server_done, server_restarts = True, server_restarts + 1
                time.sleep(3)
            plan.rules = []  # judging reads Kaltura without faults
            wall = time.monotonic() - started
            figures = judge(box.base_url, creds, expect)
            texts = asyncio.run(prefect_texts())
            for path in (ROOT / "logs").glob("*.log"):
                texts.append(path.read_text(errors="replace"))
            texts += figures["errors_text"]
            secrets = [
                creds["app_token"],
                creds["vendor_admin_secret"],
                *(c["admin_secret"] for c in creds["customers"]),
                *figures["access_keys"],
            ]
            leaked = leaks(secrets, texts)
            unfinished_runs = asyncio.run(runs_of_tasks(figures["unfinished_ids"][:20]))
        finally:
            for proc in reversed(procs):
                proc.stop()
            for pid in flow_run_pids():
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        fired = Counter(kind for _, _, kind in plan.log)
    min_faults = args.min_faults if args.min_faults is not None else MIN_FAULTS
    errors = ", ".join(f"{k} {v}" for k, v in figures["ERROR"].most_common())
    by_kind = ", ".join(f"{k} {fired.get(k, 0)}" for k in FAULT_KINDS)
    line = (
        f"soak ({'PostgreSQL' if database_url else 'SQLite'}, {args.workers} worker(s)): jobs {args.jobs}, faults fired {sum(fired.values())} ({by_kind}), flow-run kills {kills}, "
        f"worker restarts {worker_restarts}, server restarts {server_restarts}, READY {figures['READY']}, "
        f"ERROR {sum(figures['ERROR'].values())} ({errors}), unfinished {figures['unfinished']}, "
        f"wrong {figures['wrong']}, duplicates {figures['duplicates']}, lost {figures['lost']}, "
        f"leaks {len(leaked)}, wall {wall:.0f} s"
    )
    for problem in figures["problems"][:20] + leaked[:10]:
        log(problem)
    for task_id, runs in unfinished_runs.items():
        log(f"task {task_id} unfinished; its runs: {'; '.join(runs) or 'none'}")
    print(line, flush=True)
    bad = (
        figures["unfinished"]
        or figures["wrong"]
        or figures["duplicates"]
        or figures["lost"]
        or leaked
        or sum(fired.values()) < min_faults
        or any(fired.get(k, 0) == 0 for k in FAULT_KINDS)
        or kills < min(args.kills, 1)
        or worker_restarts < 1
        or server_restarts < 1
    )
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description="ReachFlow fault soak")
    parser.add_argument("--jobs", type=int, default=200, help="machine captions tasks to generate")
    parser.add_argument("--customers", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kills", type=int, default=6, help="flow-run processes to SIGKILL")
    parser.add_argument("--kill-every", type=float, default=45.0, help="seconds between flow-run kills")
    parser.add_argument("--worker-limit", type=int, default=2, help="flow runs at once per worker")
    parser.add_argument("--workers", type=int, default=1, help="worker processes on the pool")
    parser.add_argument(
        "--timeout",
        type=int,
        default=None,
        help=f"seconds before judging whatever state (default {SECONDS_PER_JOB} a job)",
    )
    parser.add_argument("--min-faults", type=int, default=None, help=f"default: {MIN_FAULTS} at any size")
    parser.add_argument("--scenario", help="a scenario YAML instead of the generated one (judged loosely)")
    parser.add_argument("--faults", help="a fault plan YAML instead of the generated one")
    parser.add_argument("--postgres", action="store_true", help="Prefect on a throwaway PostgreSQL cluster")
    args = parser.parse_args()
    if args.timeout is None:
        args.timeout = default_timeout(args.jobs)
    sys.exit(soak(args))


if __name__ == "__main__":
    main()

"""Scale figures: discovery on PostgreSQL vs SQLite, orchestration overhead, jobs per worker.

    .venv/bin/python bench/scale_bench.py discovery [--customers 50] [--tasks-per-customer 20] [--backends postgres,sqlite]
    .venv/bin/python bench/scale_bench.py overhead [--queued 1,50,200] [--workers 2] [--limit 2] [--postgres]
    .venv/bin/python bench/scale_bench.py throughput [--jobs 12] [--workers 1,2] [--postgres]
    make scale-bench          # the discovery figures on both databases

Every figure comes from a real ``prefect server`` (SQLite in a temporary PREFECT_HOME, or a
throwaway PostgreSQL cluster, reachflow.app.postgres) and the Kaltura sandbox; nothing is assumed.

``discovery``: 1,000 PENDING machine-captions tasks across 50 customers. Cycle 1 is the production
cycle (``max_in_flight`` 50: read every task, check the runs of all 1,000, fair pick, start 50);
cycle 2 takes the rest of the cold backlog at once (``max_in_flight`` 1,000: runs created per
second); cycle 3 is the steady cycle when every task already has a run.

``overhead``: Q tasks appear in getJobs at once; discovery runs every ``--interval`` seconds (here,
in-process); ``prefect worker`` processes run the captions deployment. For every job: seconds from
its appearance to PROCESSING (set by the run, read from Kaltura). The first ``workers x limit``
jobs never wait for a slot: their figure is the orchestration overhead proper (discovery interval,
run creation, worker poll, flow-run process start, the job's first Kaltura calls); the rest add the
queue behind the slots.

``throughput``: N short machine-captions jobs, 1 worker then 2 workers (each ``--limit``), jobs
READY per minute from the first PROCESSING to the last READY.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="scale-bench-prefect-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("REACHFLOW_QUALITY_MODE", "fast")
sys.path.insert(0, str(PROJECT))

SPEECH = ["Hello and welcome.", "Good morning everyone.", "Thank you for listening."]


def log(message: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def scenario(customers: int, per_customer: int, speech: bool = False) -> dict[str, Any]:
    """``customers`` partners x ``per_customer`` PENDING machine-captions tasks (one entry each)."""
    return {
        "vendor": {
            "partner_id": 9000,
            "admin_secret": "vendor-secret",
            "app_token": {"id": "0_apptok", "token": "scale-bench-token", "hash_type": "SHA256"},
        },
        "catalog_items": [
            {"id": 101, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS"}
        ],
        "customers": [
            {
                "partner_id": 3000 + c,
                "admin_secret": f"customer-{c}",
                "reach_profiles": [{"id": 400 + c}],
                # Same speech everywhere: synthesised once, cached by content.
                "entries": [
                    {"id": f"0_s{c:05d}{i}", "speech": [{"text": line}], "flavors": ["audio"]}
                    for i, line in enumerate(SPEECH if speech else SPEECH[:1])
                ],
                "tasks": [
                    {
                        "id": 100000 + c * per_customer + t,
                        "entry": f"0_s{c:05d}{t % len(SPEECH) if speech else 0}",
                        "catalog_item": 101,
                        "reach_profile": 400 + c,
                        "created": f"-{(c * 7 + t * 13) % 600 + 1}m",
                    }
                    for t in range(per_customer)
                ],
            }
            for c in range(customers)
        ],
    }


class System:
    """A Prefect server (SQLite or PostgreSQL), the sandbox, the vendor block, the captions
    deployment; workers on demand."""

    def __init__(self, root: Path, database_url: str | None) -> None:
        self.root = root
        self.port = free_port()
        self.api_url = f"http://{HOST}:{self.port}/api"
        self.env = {
            **os.environ,
            "PREFECT_API_URL": self.api_url,
            "PREFECT_HOME": str(root / "prefect"),
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "PREFECT_LOCAL_STORAGE_PATH": str(root / "results"),
            "REACHFLOW_HOME": str(root / "reachflow"),
            "REACHFLOW_PROJECT_DIR": str(PROJECT),
            "PYTHONPATH": str(PROJECT),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            **({"PREFECT_API_DATABASE_CONNECTION_URL": database_url} if database_url else {}),
        }
        self.procs: list[subprocess.Popen[bytes]] = []
        (root / "logs").mkdir(parents=True, exist_ok=True)

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        with open(self.root / "logs" / f"{name}.log", "ab") as out:
            proc = subprocess.Popen(
                args, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT, start_new_session=True
            )
        self.procs.append(proc)
        return proc

    def start_server(self) -> None:
        import httpx

        self.spawn(
            "prefect-server", [str(BIN / "prefect"), "server", "start", "--host", HOST, "--port", str(self.port)]
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with suppress(httpx.HTTPError):
                if httpx.get(f"{self.api_url}/health", timeout=3).status_code == 200:
                    return
            time.sleep(1)
        raise RuntimeError("the Prefect server did not come up")

    def deploy(self) -> None:
        for args in (
            ["work-pool", "create", "reachflow", "--type", "process", "--overwrite"],
            ["--no-prompt", "deploy", "--name", "captions"],
        ):
            result = subprocess.run(
                [str(BIN / "prefect"), *args], env=self.env, cwd=PROJECT, capture_output=True, text=True
            )
            if result.returncode != 0:
                raise RuntimeError(f"prefect {args[0]}: {result.stdout[-800:]} {result.stderr[-800:]}")

    def worker(self, name: str, limit: int) -> None:
        args = ["worker", "start", "--pool", "reachflow", "--work-queue", "default", "--limit", str(limit)]
        self.spawn(name, [str(BIN / "prefect"), *args, "--name", name])

    def stop(self) -> None:
        for proc in reversed(self.procs):
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)


@contextmanager
def system(postgres: bool, scenario_data: dict[str, Any]) -> Iterator[tuple[System, Any]]:
    """Everything up; yields the system and the running sandbox, with this process's Prefect
    client pointed at the server."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from blocks.kaltura import KalturaVendorAccount
    from kaltura_sandbox.testing import running_sandbox
    from reachflow.app.postgres import throwaway_postgres

    root = Path(tempfile.mkdtemp(prefix="scale-bench-"))
    with throwaway_postgres() if postgres else _nothing() as cluster:
        sys_ = System(root, cluster.url if cluster is not None else None)
        try:
            started = time.monotonic()
            sys_.start_server()
            log(f"Prefect server on {'PostgreSQL' if postgres else 'SQLite'} up in {time.monotonic() - started:.0f} s")
            with (
                temporary_settings(updates={PREFECT_API_URL: sys_.api_url}),
                running_sandbox(scenario_data, media_dir=PROJECT / "var" / "sandbox-media") as box,
            ):
                creds = box.credentials
                KalturaVendorAccount(
                    service_url=box.base_url,
                    vendor_partner_id=creds["vendor_partner_id"],
                    app_token_id=creds["app_token_id"],
                    app_token=creds["app_token"],
                ).save("reachflow-vendor", overwrite=True)
                sys_.deploy()
                os.environ["REACHFLOW_HOME"] = sys_.env["REACHFLOW_HOME"]
                yield sys_, box
        finally:
            sys_.stop()


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def discovery_figures(postgres: bool, customers: int, per_customer: int) -> dict[str, Any]:
    from flows.discovery import discovery_flow

    total = customers * per_customer
    with system(postgres, scenario(customers, per_customer)):
        figures: dict[str, Any] = {}
        for name, in_flight in (("cycle", 50), ("backlog", total), ("steady", total)):
            started = time.perf_counter()
            report = asyncio.run(discovery_flow(max_in_flight=in_flight))
            figures[name] = {**report, "wall": time.perf_counter() - started}
            log(f"{'PostgreSQL' if postgres else 'SQLite'} {name}: {figures[name]}")
    return figures


def watch_statuses(box: Any, stop: threading.Event) -> dict[int, dict[int, float]]:
    """First time each task was seen in each status (polled from the sandbox every 0.2 s)."""
    seen: dict[int, dict[int, float]] = {}

    def loop() -> None:
        while not stop.is_set():
            now = time.monotonic()
            for tid, task in list(box.store.table("tasks").items()):
                seen.setdefault(int(tid), {}).setdefault(int(task["status"]), now)
            time.sleep(0.2)

    threading.Thread(target=loop, daemon=True).start()
    return seen


async def run_marks(started_by: float) -> dict[int, dict[str, float]]:
    """For each service flow run (by REACH task id), on this process's monotonic clock: when the
    run was created (discovery), when it went Pending (the worker took it and starts its process)
    and Running (the engine in that process began the flow)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    to_monotonic = time.monotonic() - time.time()
    marks: dict[int, dict[str, float]] = {}
    async with get_client() as client:
        runs = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["reachflow"])), limit=200
        )
        for run in runs:
            task_id = run.parameters.get("task_id")
            if not isinstance(task_id, int) or run.created is None:
                continue
            mark = {"created": run.created.timestamp() + to_monotonic}
            for state in await client.read_flow_run_states(run.id):
                key = state.type.value.lower()
                if key in ("pending", "running") and key not in mark:
                    mark[key] = state.timestamp.timestamp() + to_monotonic
            if mark["created"] >= started_by:
                marks[task_id] = mark
    return marks


def run_jobs(
    postgres: bool,
    jobs: int,
    workers: int,
    limit: int,
    interval: float,
    timeout: float,
    until_processing: float | None = None,
) -> tuple[float, dict[int, dict[int, float]], dict[int, dict[str, float]]]:
    """Q jobs appear at once; discovery every ``interval`` s; returns t0, per-task status times
    and per-task run marks (:func:`run_marks`). With ``until_processing``, stops after that many
    seconds (the queue behind the slots is then measured over the jobs that started by then)."""
    from flows.discovery import discovery_flow

    customers = min(jobs, 5)
    per_customer = -(-jobs // customers)
    with system(postgres, scenario(customers, per_customer, speech=True)) as (sys_, box):
        for n in range(workers):
            sys_.worker(f"worker-{n + 1}", limit)
        time.sleep(5)  # the workers poll the pool
        stop = threading.Event()
        seen = watch_statuses(box, stop)
        t0 = time.monotonic()
        deadline = t0 + min(timeout, until_processing or timeout)
        try:
            while time.monotonic() < deadline:
                cycle = time.monotonic()
                asyncio.run(discovery_flow(max_in_flight=50))
                if len(seen) >= jobs and all(2 in seen[t] or 6 in seen[t] for t in seen):
                    break
                time.sleep(max(0.0, interval - (time.monotonic() - cycle)))
        finally:
            stop.set()
        marks = asyncio.run(run_marks(t0))
    return t0, seen, marks


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def slot_gaps(t0: float, starts: list[float], ends: list[float], slots: int) -> list[float]:
    """Seconds each queued job waited after a slot came free: the k-th job to reach PROCESSING
    (k >= slots) could have started when the (k - slots)-th job ended. This is the orchestration
    overhead of a job that waited behind the slots (discovery interval, run creation, worker
    poll, process start, first Kaltura calls), without the queue itself."""
    starts, ends = sorted(starts), sorted(ends)
    return [start - max(t0, ends[k - slots]) for k, start in enumerate(starts) if slots <= k < len(ends) + slots]


def overhead(args: argparse.Namespace) -> None:
    for queued in [int(q) for q in args.queued.split(",")]:
        t0, seen, marks = run_jobs(
            args.postgres, queued, args.workers, args.limit, args.interval, args.timeout, until_processing=args.cap
        )
        starts = [times[3] for times in seen.values() if 3 in times]
        ends = [min(times.get(2, 1e18), times.get(6, 1e18)) for times in seen.values() if 2 in times or 6 in times]
        waits = sorted(start - t0 for start in starts)
        slots = args.workers * args.limit
        gaps = slot_gaps(t0, starts, ends, slots)
        log(
            f"{queued} queued ({'PostgreSQL' if args.postgres else 'SQLite'}, {args.workers} workers x {args.limit}, "
            f"discovery every {args.interval:.0f} s): first {min(slots, len(waits))} (free slots): appearance -> "
            f"PROCESSING p50 {pct(waits[:slots], 0.5):.1f} s, p95 {pct(waits[:slots], 0.95):.1f} s; queued behind "
            f"the slots: slot free -> PROCESSING p50 {pct(gaps, 0.5):.1f} s, p95 {pct(gaps, 0.95):.1f} s over "
            f"{len(gaps)} jobs; appearance -> PROCESSING (with the queue) p50 {pct(waits, 0.5):.1f} s, "
            f"p95 {pct(waits, 0.95):.1f} s over {len(waits)} of {queued} jobs"
            f"{f' (stopped at {args.cap:.0f} s)' if args.cap and len(waits) < queued else ''}; "
            f"job time (PROCESSING -> final) p50 {pct([e - s for s, e in _pairs(seen)], 0.5):.1f} s"
        )
        order = sorted((times[3], tid) for tid, times in seen.items() if 3 in times)
        log(
            f"{queued} queued, where the free-slot jobs' time went: "
            f"{phases({tid: t0 for _, tid in order[:slots]}, seen, marks, from_appearance=True)}"
        )
        ends_sorted = sorted(ends)
        behind = {
            tid: max(t0, ends_sorted[k - slots]) for k, (_, tid) in enumerate(order) if slots <= k < len(ends) + slots
        }
        if behind:
            log(f"{queued} queued, the jobs behind the slots, from a slot coming free: {phases(behind, seen, marks)}")


def phases(
    since: dict[int, float],
    seen: dict[int, dict[int, float]],
    marks: dict[int, dict[str, float]],
    from_appearance: bool = False,
) -> str:
    """p50/p95 of each leg to PROCESSING, from ``since`` (per task: its appearance in getJobs, or
    the moment a slot came free for it): discovery creates the run (from appearance only: behind
    the slots the run already waits); the worker polls, takes it (Pending) and starts its process;
    the engine imports the flow and begins it (Running); the flow reads the task and sets it
    PROCESSING."""
    names = ["run created", "worker took it", "flow began", "PROCESSING"][0 if from_appearance else 1 :]
    legs: dict[str, list[float]] = {name: [] for name in names}
    for tid, start in since.items():
        mark = marks.get(tid, {})
        if not {"created", "pending", "running"} <= mark.keys():
            continue
        points = [
            start,
            *([mark["created"]] if from_appearance else []),
            mark["pending"],
            mark["running"],
            seen[tid][3],
        ]
        for name, (a, b) in zip(names, itertools.pairwise(points), strict=True):
            legs[name].append(b - a)
    return (
        "; ".join(
            f"-> {name} p50 {pct(values, 0.5):.1f} s / p95 {pct(values, 0.95):.1f} s" for name, values in legs.items()
        )
        + f" (over {len(legs['PROCESSING'])} runs)"
    )


def _pairs(seen: dict[int, dict[int, float]]) -> list[tuple[float, float]]:
    return [(t[3], min(t.get(2, 1e18), t.get(6, 1e18))) for t in seen.values() if 3 in t and (2 in t or 6 in t)]


def throughput(args: argparse.Namespace) -> None:
    for workers in [int(w) for w in args.workers.split(",")]:
        _, seen, _ = run_jobs(args.postgres, args.jobs, workers, args.limit, args.interval, args.timeout)
        starts = [times[3] for times in seen.values() if 3 in times]
        ends = [times[2] for times in seen.values() if 2 in times]
        if not ends:
            log(f"{workers} worker(s): no job READY within {args.timeout} s")
            continue
        minutes = (max(ends) - min(starts)) / 60
        per_minute = len(ends) / max(minutes, 1e-6)
        log(
            # The scenario rounds the jobs up to whole customers (12 → 5 × 3): count what it made.
            f"{workers} worker(s) x {args.limit}: {len(ends)}/{len(seen)} READY in {minutes * 60:.0f} s = "
            f"{per_minute:.2f} jobs/min ({per_minute / workers:.2f} per worker); "
            f"job time p50 {statistics.median([seen[t][2] - seen[t][3] for t in seen if 2 in seen[t]]):.0f} s"
        )


def discovery(args: argparse.Namespace) -> None:
    rows = []
    for backend in args.backends.split(","):
        figures = discovery_figures(backend == "postgres", args.customers, args.tasks_per_customer)
        rows.append((backend, figures))
    total = args.customers * args.tasks_per_customer
    print(f"\ndiscovery, {total} pending tasks across {args.customers} customers:")
    for backend, f in rows:
        backlog = f["backlog"]
        print(
            f"  {backend:10s} cycle (start 50 of {total}) {f['cycle']['seconds']:.1f} s; "
            f"cold backlog {backlog['started']} runs in {backlog['seconds']:.1f} s "
            f"= {backlog['started'] / max(backlog['seconds'], 0.001):.1f} runs/s; "
            f"steady cycle (all have runs) {f['steady']['seconds']:.1f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="ReachFlow scale figures")
    sub = parser.add_subparsers(dest="what", required=True)
    d = sub.add_parser("discovery")
    d.add_argument("--customers", type=int, default=50)
    d.add_argument("--tasks-per-customer", type=int, default=20)
    d.add_argument("--backends", default="postgres,sqlite")
    for name in ("overhead", "throughput"):
        p = sub.add_parser(name)
        p.add_argument("--postgres", action="store_true")
        p.add_argument("--limit", type=int, default=2, help="flow runs at once per worker")
        p.add_argument("--interval", type=float, default=10.0, help="seconds between discovery cycles")
        p.add_argument("--timeout", type=float, default=3600.0)
    sub.choices["overhead"].add_argument("--queued", default="1,50,200")
    sub.choices["overhead"].add_argument("--workers", type=int, default=2)
    sub.choices["overhead"].add_argument(
        "--cap", type=float, default=None, help="stop each queue size after this many seconds (a long queue)"
    )
    sub.choices["throughput"].add_argument("--jobs", type=int, default=12)
    sub.choices["throughput"].add_argument("--workers", default="1,2")
    args = parser.parse_args()
    # SIGTERM stops like Ctrl-C: the finally blocks stop the server, the workers and the cluster.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    {"discovery": discovery, "overhead": overhead, "throughput": throughput}[args.what](args)
    # The in-process Prefect client's event worker would wait at exit to send the last discovery
    # events to a server that is already stopped (it held the process for minutes): leave now.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

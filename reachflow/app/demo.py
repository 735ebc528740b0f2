"""``reachflow demo``: the whole system on one machine, against the sandbox.

1. A Prefect server (SQLite) on 127.0.0.1:4200, state under ``var/demo/prefect`` (wiped each run);
   with ``--postgres``, its database is a throwaway PostgreSQL cluster (reachflow.app.postgres).
2. The sandbox with the default scenario on 127.0.0.1:8765 (fresh state each run).
3. The vendor account block from the sandbox's credentials.
4. The ``reachflow`` process work pool, every deployment of ``prefect.yaml``, a worker for the
   file jobs and one for discovery, reconcile and live events.
5. A discovery run at once (then every 60 s on its schedule), and reconcile every 5 minutes.
6. A table of every task once they settle; the Prefect UI stays up until Ctrl-C.
7. Human captions, translation, chaptering, dubbing and audio-description tasks are left waiting for a person (draft made, run suspended): the
   closing text says how to finish each from the UI form or the ``reachflow review`` CLI. Their
   media is published to reviewers on 127.0.0.1:8770 (the jobs folder).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx

__all__ = ["run_demo"]

PREFECT_PORT = 4200
SANDBOX_PORT = 8765
REVIEW_MEDIA_PORT = 8770  # the jobs folder, published to reviewers (REACHFLOW_REVIEW_MEDIA_URL)
HOST = "127.0.0.1"
# The CLI run as a module, so the demo never depends on where a console script points.
REACHFLOW_CLI = [sys.executable, "-m", "reachflow.app.cli"]


def _log(message: str) -> None:
    print(f"[demo] {message}", flush=True)


class Services:
    """The demo's child processes, stopped together."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "ab")
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append((name, proc))
        return proc

    def check(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with code {proc.returncode}; see {self.logs / (name + '.log')}")

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGINT)
        deadline = time.monotonic() + 15
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)


def _wait_http(url: str, what: str, timeout: float, services: Services, method: str = "GET") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        services.check()
        with suppress(httpx.HTTPError):
            response = httpx.request(method, url, timeout=3)
            if response.status_code < 500:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not come up at {url} within {timeout:.0f} s")


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{result.stdout}\n{result.stderr}")


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) != 0


def run_demo(
    exit_when_done: bool = False,
    timeout: int = 900,
    scenario: Path | None = None,
    faults: Path | None = None,
    postgres: bool = False,
) -> int:
    """Bring everything up, run every job of the scenario (default: the default one) under the
    fault plan ``faults`` (default: none), print the table. ``postgres``: Prefect's database is a
    throwaway PostgreSQL cluster, stopped and removed with the demo."""
    if not postgres:
        return _run_demo(exit_when_done, timeout, scenario, faults, database_url=None)
    from reachflow.app.postgres import throwaway_postgres

    try:
        with throwaway_postgres() as cluster:
            _log(f"PostgreSQL for Prefect on {cluster.url}")
            return _run_demo(exit_when_done, timeout, scenario, faults, database_url=cluster.url)
    except RuntimeError as exc:
        _log(f"failed: {exc}")
        return 1


def _run_demo(
    exit_when_done: bool, timeout: int, scenario: Path | None, faults: Path | None, database_url: str | None
) -> int:
    sandbox_options = [
        *(["--scenario", str(scenario.resolve())] if scenario else []),
        *(["--faults", str(faults.resolve())] if faults else []),
    ]
    project = Path.cwd()
    if not (project / "prefect.yaml").exists():
        _log("run me from the project folder (where prefect.yaml is)")
        return 2
    for port, name in ((PREFECT_PORT, "Prefect"), (SANDBOX_PORT, "the sandbox"), (REVIEW_MEDIA_PORT, "review media")):
        if not _port_free(port):
            _log(f"port {port} (for {name}) is busy: is another demo running? Stop it first.")
            return 2
    root = project / "var" / "demo"
    prefect_home = root / "prefect"
    shutil.rmtree(prefect_home, ignore_errors=True)
    logs = root / "logs"
    for folder in (prefect_home, logs, root / "work"):
        folder.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    api_url = f"http://{HOST}:{PREFECT_PORT}/api"
    service_url = f"http://{HOST}:{SANDBOX_PORT}"
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        # Prefect on SQLite answers 503 ("database is locked") while a dozen runs start at once on
        # two cores; Prefect's client retries 5 times (2+4+...+32 s) and a worker then drops the run
        # it was submitting ("Failed to submit flow run"). Seven retries wait up to ~4 minutes.
        "PREFECT_CLIENT_MAX_RETRIES": "7",
        "PREFECT_UI_API_URL": api_url,
        "REACHFLOW_PROJECT_DIR": str(project),
        "REACHFLOW_HOME": str(root / "work"),
        "REACHFLOW_REVIEW_MEDIA_URL": f"http://{HOST}:{REVIEW_MEDIA_PORT}",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        **({"PREFECT_API_DATABASE_CONNECTION_URL": database_url} if database_url else {}),
    }
    services = Services(logs)
    # A terminated demo (SIGTERM, e.g. from a process manager) stops its children like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        _log(f"starting Prefect server on {HOST}:{PREFECT_PORT} (logs in {logs})")
        services.start(
            "prefect-server",
            [str(bin_dir / "prefect"), "server", "start", "--host", HOST, "--port", str(PREFECT_PORT)],
            env,
        )
        _log(f"starting the Kaltura sandbox on {HOST}:{SANDBOX_PORT} (synthesising media the first time)")
        services.start(
            "sandbox",
            [
                *REACHFLOW_CLI,
                "sandbox",
                "--host",
                HOST,
                "--port",
                str(SANDBOX_PORT),
                "--media-dir",
                str(project / "var" / "sandbox-media"),
                *sandbox_options,
            ],
            env,
        )
        # Reviewers open a human job's media from its work package: the jobs folder, served read-only.
        (root / "work" / "jobs").mkdir(parents=True, exist_ok=True)
        services.start(
            "review-media",
            [
                sys.executable,
                "-m",
                "http.server",
                "--bind",
                HOST,
                "--directory",
                str(root / "work" / "jobs"),
                str(REVIEW_MEDIA_PORT),
            ],
            env,
        )
        _wait_http(f"{api_url}/health", "Prefect server", 300, services)
        _wait_http(f"{service_url}/api_v3/service/system/action/ping", "sandbox", 600, services, method="POST")
        _log("Prefect and the sandbox are up")

        creds_text = subprocess.run(
            [
                *REACHFLOW_CLI,
                "sandbox",
                "credentials",
                "--service-url",
                service_url,
                *(["--scenario", str(scenario.resolve())] if scenario else []),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        creds = json.loads(creds_text)
        account_env = {
            **env,
            "REACHFLOW_SERVICE_URL": creds["service_url"],
            "REACHFLOW_VENDOR_PARTNER_ID": str(creds["vendor_partner_id"]),
            "REACHFLOW_APP_TOKEN_ID": creds["app_token_id"],
            "REACHFLOW_APP_TOKEN": creds["app_token"],
            "REACHFLOW_APP_TOKEN_HASH_TYPE": creds.get("app_token_hash_type", "SHA256"),
            "REACHFLOW_VENDOR_NAME": "reachflowdemo",
        }
        _run([*REACHFLOW_CLI, "account", "save"], account_env, "saving the vendor account block")
        _log("saved the KalturaVendorAccount block 'reachflow-vendor' (app token session)")

        _run(
            [str(bin_dir / "prefect"), "work-pool", "create", "reachflow", "--type", "process", "--overwrite"],
            env,
            "creating the work pool",
        )
        _run([str(bin_dir / "prefect"), "--no-prompt", "deploy", "--all"], env, "deploying prefect.yaml")
        _log("deployed discovery (every 60 s), reconcile (every 5 min) and the service flows")
        # File jobs on one worker; discovery, reconcile, live provisioning and live events on another,
        # so a live event is provisioned and listening on time however busy the file jobs are.
        prefect_worker = [str(bin_dir / "prefect"), "worker", "start", "--pool", "reachflow"]
        services.start("worker", [*prefect_worker, "--work-queue", "default", "--limit", "3"], env)
        services.start(
            "control-worker",
            [*prefect_worker, "--work-queue", "control", "--work-queue", "live", "--limit", "6"],
            env,
        )
        _run([str(bin_dir / "prefect"), "deployment", "run", "reach-discovery/discovery"], env, "starting discovery")
        _log("discovery started; waiting for the jobs to settle")

        settled = _wait_until_settled(env, timeout, services)
        table = subprocess.run([*REACHFLOW_CLI, "jobs"], env=env, capture_output=True, text=True)
        print()
        print(table.stdout or table.stderr)
        _print_where_to_look(service_url, creds)
        _print_waiting(env)
        if not settled:
            _log(f"some jobs were still running after {timeout} s; they go on in the background")
        if exit_when_done:
            return 0 if settled else 1
        _log("Prefect UI stays up at http://127.0.0.1:4200 — press Ctrl-C to stop everything")
        while True:
            services.check()
            time.sleep(2)
    except KeyboardInterrupt:
        _log("stopping")
        return 0
    except Exception as exc:
        _log(f"failed: {exc}")
        return 1
    finally:
        services.stop()


def _wait_until_settled(env: dict[str, str], timeout: int, services: Services) -> bool:
    """Wait until every task is final or waiting for a person (read through Kaltura + Prefect)."""
    code = (
        "import json; from blocks.kaltura import KalturaVendorAccount; from reachflow.app.report import collect_rows;"
        "from reachflow.app.demo import live_runs_due;"
        "rows = collect_rows(KalturaVendorAccount.load('reachflow-vendor'));"
        "print(json.dumps([r.status for r in rows] + ['live event'] * live_runs_due(600)))"
    )
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        services.check()
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        if result.returncode == 0:
            statuses = json.loads(result.stdout.strip().splitlines()[-1])
            busy = [s for s in statuses if s in ("PENDING", "PROCESSING", "live event")]
            summary = ", ".join(f"{s}: {statuses.count(s)}" for s in sorted(set(statuses)))
            if summary != last:
                _log(summary)
                last = summary
            if not busy:
                return True
        time.sleep(5)
    return False


def live_runs_due(within: float) -> int:
    """Live-caption runs (SCHEDULED tasks) that start, or are running, within ``within`` seconds:
    the demo waits for its live event (SCHEDULED → PROCESSING → READY), not for one hours away."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
        FlowRunFilterTags,
    )
    from prefect.client.schemas.objects import StateType

    async def count() -> int:
        async with get_client() as client:
            runs = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    tags=FlowRunFilterTags(all_=["live-event"]),
                    state=FlowRunFilterState(
                        type=FlowRunFilterStateType(any_=[StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING])
                    ),
                ),
                limit=200,
            )
        soon = datetime.now(UTC) + timedelta(seconds=within)
        return sum(1 for r in runs if r.expected_start_time is None or r.expected_start_time <= soon)

    return asyncio.run(count())


def _print_waiting(env: dict[str, str]) -> None:
    """How to finish the jobs that wait for a person, from the UI and from the CLI."""
    code = (
        "import asyncio, json; from reachflow.app.reviews import waiting_runs;"
        "print(json.dumps([[str(r.id), r.name, r.task_id] for r in asyncio.run(waiting_runs())]))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        return
    runs = json.loads(result.stdout.strip().splitlines()[-1])
    if not runs:
        return
    lines = [
        "\nWaiting for a person (human captions, translation, chapters): finish the draft and the job is delivered."
    ]
    for run_id, name, task_id in runs:
        lines.append(f"  task {task_id}: http://127.0.0.1:{PREFECT_PORT}/runs/flow-run/{run_id}  ({name})")
    first = runs[0][1]
    lines += [
        "  In the Prefect UI: open the run, press Resume, edit the captions (or translation) in the form, Submit.",
        "  Or from a terminal in this folder:",
        f"    export PREFECT_API_URL=http://127.0.0.1:{PREFECT_PORT}/api",
        "    .venv/bin/reachflow review list",
        f"    .venv/bin/reachflow review show {first}            # work package: media link, notes, rules, draft",
        f"    .venv/bin/reachflow review show {first} --draft > corrected.srt",
        f"    .venv/bin/reachflow review submit {first} --file corrected.srt --accuracy 99",
        "  Then `.venv/bin/reachflow jobs` shows the task READY with its caption asset.",
        "  Human dubbing (dubbing-...): hand in a recorded track with `--file track.wav` (the media's length",
        "  ±1 s), or correct the Spanish script (`--draft > script.srt`, then `--file script.srt`) for synthesis.",
        "  Human audio description (audio_description-...): the work package shows each pause, a keyframe per shot",
        "  and the on-screen text; write one line per pause (`--draft > script.txt`, edit, `--file script.txt`).",
    ]
    print("\n".join(lines) + "\n")


def _print_where_to_look(service_url: str, creds: dict[str, Any]) -> None:
    customer = creds["customers"][0]
    print(
        "\nWhere to look:\n"
        f"  Prefect UI (runs, artifacts, job reports):  http://127.0.0.1:{PREFECT_PORT}\n"
        f"  Kaltura sandbox (api_v3):                   {service_url}\n"
        f"  Every task again:                           PREFECT_API_URL=http://127.0.0.1:{PREFECT_PORT}/api"
        " .venv/bin/reachflow jobs\n"
        "  Live captions (task 5401): each final caption is in the logs of run live_captions-2003-5401, and"
        " what Kaltura received in var/demo/logs/sandbox.log (grep 'Live captions'); then the WebVTT"
        " caption asset tagged 'live' on entry 0_live0001\n"
        "  A customer's captions through the Kaltura API, e.g. partner "
        f"{customer['partner_id']}:\n"
        '    .venv/bin/python -c "from KalturaClient import *; from KalturaClient.Plugins.Core import *;'
        " from KalturaClient.Plugins.Caption import KalturaCaptionAssetFilter;"
        f" c=KalturaClient(KalturaConfiguration('{service_url}'));"
        f" c.setKs(c.session.start('{customer['admin_secret']}','',2,{customer['partner_id']}));"
        " [print(e.id, [(a.id, a.label) for a in c.caption.captionAsset.list("
        'KalturaCaptionAssetFilter(entryIdEqual=e.id)).objects]) for e in c.baseEntry.list().objects]"\n'
        "  The chapters of task 5301 (cue points) on entry 0_chtopics:\n"
        '    .venv/bin/python -c "from KalturaClient import *; from KalturaClient.Plugins.CuePoint import *;'
        f" c=KalturaClient(KalturaConfiguration('{service_url}'));"
        f" c.setKs(c.session.start('{customer['admin_secret']}','',2,{customer['partner_id']}));"
        " [print(p.startTime, p.title, '-', p.description) for p in c.cuePoint.cuePoint.list("
        "KalturaCuePointFilter(entryIdEqual='0_chtopics', tagsMultiLikeAnd='reachflow-task-5301')).objects]\"\n"
    )

"""Two workers on one pool, Prefect on PostgreSQL: discovery + captions, judged through Kaltura.

The whole production shape on one machine: a throwaway PostgreSQL cluster (started here as the
``postgres`` user, removed at the end), a real ``prefect server`` on it, the ``captions``
deployment of ``prefect.yaml`` on the ``reachflow`` process pool, and two ``prefect worker``
processes (two machines) sharing one result storage folder and one jobs folder (what a vendor puts
on shared storage, README "Several workers"). Discovery and reconcile run here, in this process,
against that server.

What must hold:
- every task is processed exactly once: READY, exactly one caption asset, one completed run;
- runs are spread across the workers;
- a worker killed (SIGKILL, with its flow-run processes: a lost machine) mid-job has its jobs
  finished by the other workers: the dead run is crashed by the no-heartbeat automation, and
  reconcile (PROCESSING) or discovery (still PENDING) starts it again;
- a human job that suspended on one worker is resumed on another, which finds the machine draft in
  the shared result storage (the draft step is Cached, not redone).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from reachflow.app.postgres import throwaway_postgres

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VENDOR = {
    "partner_id": 9000,
    "admin_secret": "vendor-secret",
    "app_token": {"id": "0_apptok", "token": "app-token-value-123", "hash_type": "SHA256"},
}
LINES = ["Welcome to the course.", "Good morning everyone.", "Please wash your hands.", "Thank you for listening."]
MACHINE = list(range(9301, 9305))
HUMAN = 9310
PARTNERS = (2101, 2102)


def scenario() -> dict[str, Any]:
    customers = []
    for c, pid in enumerate(PARTNERS):
        entries = [
            {"id": f"0_mw{pid}{i}", "speech": [{"text": line}], "flavors": ["audio"]}
            for i, line in enumerate(LINES)
            if i % 2 == c
        ]
        tasks = [
            {"id": tid, "entry": f"0_mw{pid}{i}", "catalog_item": 101, "reach_profile": 500 + c, "created": "-10m"}
            for i, tid in enumerate(MACHINE)
            if i % 2 == c
        ]
        customers.append(
            {
                "partner_id": pid,
                "admin_secret": f"customer-secret-{pid}",
                "reach_profiles": [{"id": 500 + c}],
                "entries": entries,
                "tasks": tasks,
            }
        )
    customers[0]["entries"].append({"id": "0_mwhuman", "speech": [{"text": "A person checks these words."}]})
    customers[0]["tasks"].append(
        {"id": HUMAN, "entry": "0_mwhuman", "catalog_item": 104, "reach_profile": 500, "created": "-10m"}
    )
    return {
        "vendor": VENDOR,
        "catalog_items": [
            {"id": 101, "feature": "CAPTIONS", "service_type": "MACHINE", "turn_around_time": "TWO_HOURS"},
            {
                "id": 104,
                "feature": "CAPTIONS",
                "service_type": "HUMAN",
                "turn_around_time": "FOUR_BUSINESS_DAYS",
                "source_language": "English",
            },
        ],
        "customers": customers,
    }


class Worker:
    """A ``prefect worker`` process (a machine) logging to its own file."""

    def __init__(self, name: str, env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.log = logs / f"{name}.log"
        args = ["worker", "start", "--pool", "reachflow", "--work-queue", "default", "--limit", "2", "--name", name]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "prefect"), *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=PROJECT,
                start_new_session=True,
            )

    def took(self, run_id: Any) -> bool:
        """Whether this worker ran the flow run: its flow-run processes log "View at .../flow-run/<id>".
        (Two workers may both try to submit a run; Prefect lets one and aborts the other.)"""
        return f"flow-run/{run_id}" in self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its flow-run processes: the machine is gone."""
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


def run_cli(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, cwd=PROJECT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, f"{args[:4]}: {result.stdout[-1500:]}\n{result.stderr[-1500:]}"


def wait_until(check: Callable[[], bool], timeout: float, what: str, every: float = 1.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} s waiting for {what}"
        time.sleep(every)


@pytest.fixture()
def system(tmp_path: Path, session_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """PostgreSQL, a Prefect server on it, the sandbox, the vendor block, the pool and the captions
    deployment; workers are started by the test."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from blocks.kaltura import KalturaVendorAccount
    from flows.alerts import install_zombie_detection
    from kaltura_sandbox.testing import running_sandbox
    from reachflow.settings import get_settings

    logs = tmp_path / "logs"
    logs.mkdir()
    shared = tmp_path / "shared"  # a vendor's shared storage: results and the jobs folder
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    with throwaway_postgres() as pg:
        env = {
            **os.environ,
            "PREFECT_API_URL": api_url,
            "PREFECT_API_DATABASE_CONNECTION_URL": pg.url,
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_PREFETCH_SECONDS": "1",
            "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
            "PREFECT_LOCAL_STORAGE_PATH": str(shared / "results"),
            "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
            "REACHFLOW_HOME": str(shared / "reachflow"),
            "REACHFLOW_PROJECT_DIR": str(PROJECT),
            "REACHFLOW_RETRY_DELAY_SCALE": "0",
            "PYTHONPATH": str(PROJECT),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        with open(logs / "prefect-server.log", "ab") as out:
            server = subprocess.Popen(
                [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                env={**env, "PREFECT_SERVER_LOGGING_LEVEL": "WARNING"},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        workers: list[Worker] = []
        try:
            t0 = time.monotonic()
            wait_until(lambda: _healthy(api_url), 180, "the Prefect server on PostgreSQL")
            print(f"[timing] server up {time.monotonic() - t0:.1f} s")
            for key in ("PREFECT_LOCAL_STORAGE_PATH", "REACHFLOW_HOME", "REACHFLOW_RETRY_DELAY_SCALE"):
                monkeypatch.setenv(key, env[key])
            monkeypatch.setenv("REACHFLOW_RESTART_GRACE_SECONDS", "0")
            get_settings.cache_clear()
            with (
                temporary_settings(updates={PREFECT_API_URL: api_url}),
                running_sandbox(scenario(), media_dir=session_dir / "sandbox-media") as box,
            ):
                creds = box.credentials
                KalturaVendorAccount(
                    service_url=box.base_url,
                    vendor_partner_id=creds["vendor_partner_id"],
                    vendor_name="twoworkers",
                    app_token_id=creds["app_token_id"],
                    app_token=creds["app_token"],
                ).save("reachflow-vendor", overwrite=True)
                asyncio.run(install_zombie_detection(timedelta(seconds=40)))
                run_cli([str(BIN / "prefect"), "work-pool", "create", "reachflow", "--type", "process"], env)
                run_cli([str(BIN / "prefect"), "--no-prompt", "deploy", "--name", "captions"], env)
                print(f"[timing] deployed {time.monotonic() - t0:.1f} s")
                yield {"env": env, "logs": logs, "box": box, "workers": workers, "shared": shared}
        finally:
            for worker in workers:
                worker.kill()
            with suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
            get_settings.cache_clear()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(api_url: str) -> bool:
    with suppress(httpx.HTTPError):
        return httpx.get(f"{api_url}/health", timeout=3).status_code == 200
    return False


def statuses(box: Any) -> dict[int, int]:
    return {int(tid): int(t["status"]) for tid, t in box.store.table("tasks").items()}


async def runs_of(task_id: int) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    async with get_client() as client:
        return await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"reach-task:{task_id}"])), limit=50
        )


@pytest.mark.timeout(1200)  # the server, two workers and a lost one; ~3 min on an idle 2-core machine
def test_two_workers_on_postgres_share_the_jobs_and_survive_a_lost_worker(system: dict[str, Any]) -> None:
    from KalturaClient.Plugins.Caption import KalturaCaptionAssetFilter

    from flows.discovery import discovery_flow
    from flows.reconcile import reconcile_flow
    from reachflow.app.reviews import submit, waiting_runs
    from tests.flows.conftest import customer_client

    started = time.monotonic()
    env, logs, box, workers = system["env"], system["logs"], system["box"], system["workers"]
    workers += [Worker("worker-a", env, logs), Worker("worker-b", env, logs)]
    first = asyncio.run(discovery_flow(max_in_flight=50))
    assert first["started"] == len(MACHINE) + 1

    # A machine job PROCESSING on worker A: A is lost (SIGKILL, with its flow-run processes).
    # (Killed while a run is still Pending, before its process began, the run would wait out the
    # stuck-Pending limit instead: no heartbeat was ever sent. So: every run A took has begun.)
    def a_is_processing() -> bool:
        text = workers[0].log.read_text(errors="replace")
        begun = text.count("/runs/flow-run/")
        if not begun or text.count("submitting flow run") - text.count("Aborted submission") != begun:
            return False
        mine = [tid for tid in MACHINE if any(workers[0].took(r.id) for r in asyncio.run(runs_of(tid)))]
        return bool(mine) and all(statuses(box)[tid] == 3 for tid in mine)

    wait_until(a_is_processing, 120, "a job PROCESSING on worker A", every=0.5)
    lost = [tid for tid in MACHINE if any(workers[0].took(r.id) for r in asyncio.run(runs_of(tid)))]
    workers[0].kill()
    workers.append(Worker("worker-c", env, logs))  # the replacement machine
    # Discovery (PENDING tasks whose run died) and reconcile (PROCESSING ones) take the lost jobs
    # once the no-heartbeat automation has crashed their runs; every other run goes on.

    def settled() -> bool:
        current = statuses(box)
        if all(current[tid] == 2 for tid in MACHINE) and asyncio.run(waiting_runs()):
            return True
        if any(current[tid] == 6 for tid in [*MACHINE, HUMAN]):
            raise AssertionError(f"a task ended in ERROR: {box.store.table('tasks')}")
        asyncio.run(discovery_flow(max_in_flight=50))
        asyncio.run(reconcile_flow())
        return False

    wait_until(settled, 240, "every machine job READY and the human job waiting", every=5)

    # The human job waits for a person; the worker that prepared its draft goes away, and the
    # answer is finished by another one, which finds the draft in the shared result storage.
    [person] = asyncio.run(waiting_runs())
    preparer = next(w for w in workers if w.took(person.id))
    preparer.kill()
    others = [w for w in workers if w is not preparer and w.proc.poll() is None]
    assert others, "no worker left to resume the human job"
    asyncio.run(submit(str(person.id), {"accuracy": 99}))
    wait_until(lambda: statuses(box)[HUMAN] == 2, 120, "the human job READY after the answer")

    # Exactly once: one caption asset per task (its outputObjectId), one completed run per task.
    for tid in [*MACHINE, HUMAN]:
        task = box.store.get("tasks", tid)
        client = customer_client(box, int(task["partnerId"]))
        captions = client.caption.captionAsset.list(KalturaCaptionAssetFilter(entryIdEqual=task["entryId"])).objects
        assert len(captions) == 1, f"task {tid}: {len(captions)} caption assets"
        assert task["outputObjectId"] == captions[0].id
        runs = asyncio.run(runs_of(tid))
        assert [r.state.type.value for r in runs].count("COMPLETED") == 1, [(r.name, r.state.name) for r in runs]
    # The lost worker's jobs were restarted and finished elsewhere.
    for tid in lost:
        runs = asyncio.run(runs_of(tid))
        done = next(r for r in runs if r.state.is_completed())
        assert not workers[0].took(done.id)
        assert any(r.state.type.value == "CRASHED" for r in runs)
    # Spread: both workers ran jobs side by side from the start (A until it was lost), and the
    # restarts and the resumed job ran on the workers still alive.
    every = [r for tid in [*MACHINE, HUMAN] for r in asyncio.run(runs_of(tid))]
    by_worker = {w.name: sum(w.took(r.id) for r in every) for w in workers}
    assert by_worker["worker-a"] >= 1 and by_worker["worker-b"] >= 1, by_worker
    # The resumed human run ran on another worker and reused the draft (its step was Cached).
    resumed = next(r for r in asyncio.run(runs_of(HUMAN)) if r.state.is_completed())
    assert any(w.took(resumed.id) for w in others)
    # (task-run records arrive through Prefect's event pipeline, a moment after the run ends)
    drafts: list[Any] = []

    def draft_read() -> bool:
        drafts[:] = [t for t in asyncio.run(_task_runs(resumed.id)) if t.name.startswith("machine-draft")]
        return bool(drafts) and drafts[-1].state is not None and drafts[-1].state.is_completed()

    wait_until(draft_read, 30, "the resumed run's draft step")
    assert drafts[-1].state.name == "Cached", [(t.name, t.state.name) for t in drafts]
    print(f"two workers on PostgreSQL: {time.monotonic() - started:.0f} s, runs by worker {by_worker}")


async def _task_runs(run_id: Any) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort

    async with get_client() as client:
        return await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])), sort=TaskRunSort.EXPECTED_START_TIME_ASC
        )

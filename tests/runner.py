"""A real Prefect runner for tests whose flows suspend, and helpers to start and watch its runs.

``suspend_flow_run`` needs a deployment: a suspended run's process exits, and on resume the
runner starts a new process that runs the flow again from the top, as a worker does in
production. Used by tests/flows (Prefect test harness) and tests/browser (a real ``prefect server``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]


@contextmanager
def serving_flows(api_url: str, folder: Path, extra_env: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
    """Serve the service flows as deployments (``reach-captions/captions``,
    ``reach-translation/translation``, ``reach-chaptering/chaptering``) from one runner process.

    Yields ``{"captions": deployment_id, "translation": deployment_id, "chaptering": deployment_id, "log": runner log path,
    "storage": result storage}``.
    """
    from prefect.client.orchestration import get_client

    folder.mkdir(parents=True, exist_ok=True)
    storage = folder / "results"
    storage.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PREFECT_API_URL": api_url,
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PREFECT_LOCAL_STORAGE_PATH": str(storage),
        "REACHFLOW_RETRY_DELAY_SCALE": "0",
        **(extra_env or {}),
    }
    code = (
        "from prefect import serve\n"
        "from flows.captions import captions_flow\n"
        "from flows.translation import translation_flow\n"
        "from flows.chaptering import chaptering_flow\n"
        "from flows.extended_audio_description import extended_audio_description_flow\n"
        "from flows.dubbing import dubbing_flow\n"
        "serve(captions_flow.to_deployment(name='captions'), translation_flow.to_deployment(name='translation'),"
        " chaptering_flow.to_deployment(name='chaptering'), dubbing_flow.to_deployment(name='dubbing'),"
        " extended_audio_description_flow.to_deployment(name='extended-audio-description'), limit=2)\n"
    )
    log_path = folder / "runner.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=PROJECT,
            start_new_session=True,
        )

    async def find() -> dict[str, Any] | None:
        async with get_client() as client:
            try:
                return {
                    "captions": (await client.read_deployment_by_name("reach-captions/captions")).id,
                    "translation": (await client.read_deployment_by_name("reach-translation/translation")).id,
                    "chaptering": (await client.read_deployment_by_name("reach-chaptering/chaptering")).id,
                    "extended_audio_description": (
                        await client.read_deployment_by_name(
                            "reach-extended-audio-description/extended-audio-description"
                        )
                    ).id,
                    "dubbing": (await client.read_deployment_by_name("reach-dubbing/dubbing")).id,
                }
            except Exception:
                return None

    try:
        deadline = time.monotonic() + 90
        deployments = None
        while deployments is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the runner did not start; see {log_path}:\n{log_path.read_text()[-3000:]}")
            deployments = asyncio.run(find())
            time.sleep(0.5)
        yield {**deployments, "log": log_path, "storage": storage}
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def start_run(
    deployment_id: Any, task_id: int, partner_id: int, block: str, service_type: int = 1, feature: int = 1
) -> Any:
    """A flow run of the deployment for one REACH task, named and tagged as discovery does."""
    from prefect.client.orchestration import get_client

    from reachflow.routing import SERVICE_ROUTES, run_name, run_tags

    route = SERVICE_ROUTES[(feature, service_type)]

    async def create() -> Any:
        async with get_client() as client:
            return await client.create_flow_run_from_deployment(
                deployment_id,
                parameters={"task_id": task_id, "partner_id": partner_id, "account_block": block},
                name=run_name(route, partner_id, task_id),
                tags=run_tags(partner_id, task_id, feature, service_type),
            )

    return asyncio.run(create())


def wait_for_run(run_id: Any, done: Callable[[Any], bool], timeout: float = 240, what: str = "") -> Any:
    """Poll the flow run until ``done(run)``; fail with its state otherwise."""
    from prefect.client.orchestration import get_client

    async def read() -> Any:
        async with get_client() as client:
            return await client.read_flow_run(run_id)

    deadline = time.monotonic() + timeout
    run = asyncio.run(read())
    while not done(run):
        if run.state is not None and run.state.is_final():
            raise AssertionError(f"run ended {run.state.name}: {run.state.message} (waiting for {what})")
        if time.monotonic() > deadline:
            raise AssertionError(f"run still {run.state.name if run.state else '?'} after {timeout} s ({what})")
        time.sleep(1)
        run = asyncio.run(read())
    return run


def suspended(key: str) -> Callable[[Any], bool]:
    """``done`` for :func:`wait_for_run`: the run waits for a person under pause key ``key``."""
    return lambda run: run.state is not None and run.state.is_paused() and run.state.state_details.pause_key == key


def completed(run: Any) -> bool:
    return run.state is not None and run.state.is_completed()

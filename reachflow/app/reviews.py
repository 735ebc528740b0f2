"""Runs waiting for a person: find them, show their work package, submit a person's answer.

Used by ``reachflow review list|show|submit``, by reconcile (deadline policy for waiting runs) and
by the demo's closing table. Everything goes through the Prefect API: the run's Suspended state
(its pause key and input keyset), the form's JSON schema and description that the flow saved, and
the work-package artifact. Submitting is ``resume_flow_run`` with the form's values, exactly what
the Prefect UI's Resume form does; Prefect checks them against the form's schema, and the flow
then checks the content (see ``flows/review.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterName,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.responses import SetStateStatus
from prefect.client.schemas.sorting import ArtifactSort, FlowRunSort
from prefect.exceptions import ObjectNotFound

from reachflow.routing import TAG_PREFIX_TASK

__all__ = [
    "WORK_PACKAGE_PREFIX",
    "ReviewError",
    "WaitingRun",
    "find_run",
    "runs_for_task",
    "show_run",
    "submit",
    "task_id_of",
    "text_field",
    "waiting_run",
    "waiting_runs",
]

WORK_PACKAGE_PREFIX = "work-package-"


class ReviewError(Exception):
    """A review command that cannot be carried out (unknown run, run not waiting, bad values)."""


@dataclass(frozen=True)
class WaitingRun:
    """A flow run suspended until a person submits their work."""

    id: UUID
    name: str
    task_id: int | None
    partner_id: int | None
    pause_key: str
    since: Any
    timeout_at: Any
    keyset: dict[str, str]

    @property
    def submission(self) -> int:
        """1 for the first question, 2 after one rejected submission, …"""
        digits = self.pause_key.rsplit("-", 1)[-1]
        return int(digits) if digits.isdigit() else 1


def task_id_of(run: FlowRun) -> int | None:
    for tag in run.tags:
        if tag.startswith(TAG_PREFIX_TASK):
            return int(tag[len(TAG_PREFIX_TASK) :])
    return None


def _partner_of(run: FlowRun) -> int | None:
    for tag in run.tags:
        if tag.startswith("partner:"):
            return int(tag.split(":", 1)[1])
    return None


def waiting_run(run: FlowRun) -> WaitingRun | None:
    """The run as a :class:`WaitingRun` when it is suspended waiting for input, else None."""
    state = run.state
    if state is None or not state.is_paused() or not state.state_details.run_input_keyset:
        return None
    return WaitingRun(
        id=run.id,
        name=run.name,
        task_id=task_id_of(run),
        partner_id=_partner_of(run),
        pause_key=str(state.state_details.pause_key or ""),
        since=state.timestamp,
        timeout_at=state.state_details.pause_timeout,
        keyset=dict(state.state_details.run_input_keyset),
    )


async def waiting_runs(client: PrefectClient | None = None) -> list[WaitingRun]:
    """Every ReachFlow run that waits for a person's input, oldest first."""
    if client is None:
        async with get_client() as own:
            return await waiting_runs(own)
    found: list[WaitingRun] = []
    offset = 0
    while True:
        page = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])),
                tags=FlowRunFilterTags(all_=["reachflow"]),
            ),
            sort=FlowRunSort.START_TIME_ASC,
            limit=200,
            offset=offset,
        )
        found.extend(w for w in map(waiting_run, page) if w is not None)
        if len(page) < 200:
            return found
        offset += len(page)


async def find_run(client: PrefectClient, ref: str) -> FlowRun:
    """The flow run named ``ref`` (e.g. ``captions-2001-5003``) or with id ``ref``."""
    try:
        run_id = UUID(ref)
    except ValueError:
        run_id = None
    if run_id is not None:
        try:
            return await client.read_flow_run(run_id)
        except ObjectNotFound:
            raise ReviewError(f"no flow run has the id {ref}") from None
    runs = await client.read_flow_runs(
        flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[ref])),
        sort=FlowRunSort.EXPECTED_START_TIME_DESC,
        limit=10,
    )
    paused = [r for r in runs if r.state is not None and r.state.is_paused()]
    if paused:
        return paused[0]
    if runs:
        return runs[0]
    raise ReviewError(f"no flow run is named or has the id {ref!r}")


async def _waiting_run(client: PrefectClient, ref: str) -> WaitingRun:
    run = await find_run(client, ref)
    waiting = waiting_run(run)
    if waiting is None:
        state = run.state.name if run.state else "unknown"
        raise ReviewError(f"flow run {run.name} is not waiting for a person (it is {state})")
    return waiting


async def _input(client: PrefectClient, run_id: UUID, key: str) -> Any:
    try:
        return json.loads(await client.read_flow_run_input(run_id, key))
    except Exception:
        return None


async def show_run(ref: str) -> dict[str, Any]:
    """What a person needs for one waiting run: the form (schema, prefilled values) and work package."""
    async with get_client() as client:
        waiting = await _waiting_run(client, ref)
        schema = await _input(client, waiting.id, waiting.keyset["schema"]) or {}
        description = await _input(client, waiting.id, waiting.keyset["description"])
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[waiting.id])),
            sort=ArtifactSort.CREATED_DESC,
            limit=50,
        )
        package = next((a for a in artifacts if (a.key or "").startswith(WORK_PACKAGE_PREFIX)), None)
    return {
        "run": waiting,
        "description": description or "",
        "schema": schema,
        "work_package": str(package.data) if package is not None else "",
    }


def text_field(schema: dict[str, Any]) -> str:
    """The form field a submitted file goes into: the (first) multi-line text field."""
    properties = schema.get("properties", {})
    for name, spec in properties.items():
        if spec.get("format") == "textarea":
            return str(name)
    for name, spec in properties.items():
        if spec.get("type") == "string":
            return str(name)
    raise ReviewError("this run's form has no text field to put a file in")


def file_field(schema: dict[str, Any]) -> str | None:
    """The form field that takes a file's path or URL (a recorded track), if any.

    Marked ``x-reachflow: file`` in the form's model; a prefilled field loses the mark (Prefect's
    ``with_initial_data`` redefines it with its default only), so the name ``track`` counts too.
    """
    properties = schema.get("properties", {})
    for name, spec in properties.items():
        if spec.get("x-reachflow") == "file":
            return str(name)
    return "track" if "track" in properties else None


async def submit(
    ref: str, values: dict[str, Any], file_text: str | None = None, file_path: str | None = None
) -> WaitingRun:
    """Resume a waiting run with a person's answer (what the UI's Resume form does).

    Args:
        ref: Flow run name or id.
        values: Form fields (e.g. ``accuracy``, ``note``); unset fields keep the form's defaults.
        file_text: The submitted file's text, put into the form's text field (e.g. ``captions``).
        file_path: A binary file (e.g. a recorded track): its path goes into the form's file field.

    Raises:
        ReviewError: The run is not waiting, or Prefect refused the values (with its reason).
    """
    async with get_client() as client:
        waiting = await _waiting_run(client, ref)
        schema = await _input(client, waiting.id, waiting.keyset["schema"]) or {}
        run_input = dict(values)
        if file_text is not None:
            run_input[text_field(schema)] = file_text
        if file_path is not None:
            field = file_field(schema)
            if field is None:
                raise ReviewError(f"flow run {waiting.name} takes text, not a file such as {Path(file_path).name}")
            run_input[field] = file_path
        try:
            response = await client.resume_flow_run(waiting.id, run_input=run_input)
        except Exception as exc:
            raise ReviewError(f"flow run {waiting.name} did not accept the submission: {exc}") from exc
    if response.status != SetStateStatus.ACCEPT:
        # e.g. someone else resumed it a moment ago, the wait expired, or the values do not fit the form
        reason = getattr(response.details, "reason", None) or response.status.value
        raise ReviewError(f"flow run {waiting.name} did not accept the submission: {reason}")
    return waiting


async def runs_for_task(client: PrefectClient, task_id: int) -> list[FlowRun]:
    """Every flow run of one REACH task, newest first."""
    return await client.read_flow_runs(
        flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"{TAG_PREFIX_TASK}{task_id}"])),
        sort=FlowRunSort.EXPECTED_START_TIME_DESC,
        limit=50,
    )

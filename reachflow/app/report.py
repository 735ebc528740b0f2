"""The operator's table of REACH tasks: read from Kaltura, joined with Prefect's flow runs.

Used by ``reachflow jobs`` and at the end of ``reachflow demo``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from reachflow.enums import EntryVendorTaskStatus

__all__ = ["TaskRow", "collect_rows", "format_table", "print_task_table"]

ALL_STATUSES = list(EntryVendorTaskStatus)


@dataclass(frozen=True)
class TaskRow:
    task_id: int
    partner_id: int
    feature: str
    service_type: str
    status: str
    output: str
    err_description: str
    flow_run: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": self.task_id,
            "partner": self.partner_id,
            "feature": self.feature,
            "service type": self.service_type,
            "status": self.status,
            "output asset": self.output,
            "errDescription": self.err_description,
            "flow run": self.flow_run,
        }


async def _runs_by_task(task_ids: list[int]) -> dict[int, Any]:
    """The newest flow run of each task (by its ``reach-task:<id>`` tag), if Prefect is reachable."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
    from prefect.client.schemas.sorting import FlowRunSort

    from reachflow.routing import TAG_PREFIX_TASK

    found: dict[int, Any] = {}
    runs: list[Any] = []
    async with get_client() as client:
        while True:
            page = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["reachflow"])),
                sort=FlowRunSort.EXPECTED_START_TIME_DESC,
                limit=200,
                offset=len(runs),
            )
            runs.extend(page)
            if len(page) < 200:
                break
    for run in runs:
        for tag in run.tags:
            if tag.startswith(TAG_PREFIX_TASK):
                task_id = int(tag[len(TAG_PREFIX_TASK) :])
                found.setdefault(task_id, run)
    wanted = set(task_ids)
    return {k: v for k, v in found.items() if k in wanted}


def collect_rows(account: Any) -> list[TaskRow]:
    """Every task of the vendor with its status, output and the state of its newest flow run."""
    from reachflow.routing import feature_label, service_type_label
    from tasks.kaltura import VendorApi

    tasks = VendorApi(account).list_tasks(ALL_STATUSES)
    try:
        runs = asyncio.run(_runs_by_task([t.id for t in tasks]))
    except Exception:  # Prefect unreachable: the Kaltura side of the table still helps
        runs = {}
    rows: list[TaskRow] = []
    for t in sorted(tasks, key=lambda t: (t.partner_id, t.id)):
        run = runs.get(t.id)
        status = t.status.name
        run_text = ""
        if run is not None:
            state_name = run.state.name if run.state else "?"
            run_text = f"{run.name} ({state_name})"
            if run.state is not None and run.state.is_paused():
                status = "waiting for a person"
        rows.append(
            TaskRow(
                task_id=t.id,
                partner_id=t.partner_id,
                feature=feature_label(t.service_feature),
                service_type=service_type_label(t.service_type),
                status=status,
                output=t.output_object_id or "",
                err_description=t.err_description or "",
                flow_run=run_text,
            )
        )
    return rows


def format_table(rows: list[TaskRow]) -> str:
    """A plain-text table that fits a terminal."""
    headers = ["task", "partner", "feature", "type", "status", "output asset", "errDescription", "flow run"]
    data = [
        [
            str(r.task_id),
            str(r.partner_id),
            r.feature,
            r.service_type,
            r.status,
            r.output,
            r.err_description,
            r.flow_run,
        ]
        for r in rows
    ]
    widths = [len(h) for h in headers]
    for line in data:
        for i, cell in enumerate(line):
            widths[i] = min(max(widths[i], len(cell)), 60)

    def fmt(cells: list[str]) -> str:
        return "  ".join((c if len(c) <= 60 else c[:59] + "…").ljust(widths[i]) for i, c in enumerate(cells))

    out = [fmt(headers), "  ".join("-" * w for w in widths)]
    out.extend(fmt(line) for line in data)
    return "\n".join(out)


def print_task_table(account_block: str) -> None:
    from blocks.kaltura import KalturaVendorAccount

    account = KalturaVendorAccount.load(account_block)
    print(format_table(collect_rows(account)))

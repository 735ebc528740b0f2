"""Red means act: the Prefect automations that tell operations when a job needs a person.

Three automations, each sending through one notification block the vendor saved (Slack, e-mail,
PagerDuty, a webhook, ...):

* **reachflow: job at risk**: the event ``reachflow.job.at-risk`` (a job used its at-risk share of
  the window: ``flows/lifecycle.py::checkpoint`` for running jobs, reconcile for jobs waiting for a
  person).
* **reachflow: job overdue**: ``reachflow.job.overdue`` (a human job past its deadline).
* **reachflow: job run failed**: a flow run tagged ``reachflow`` entered Failed or Crashed. Jobs
  that correctly ended in ERROR because of the customer's media end "Rejected" (a completed state)
  and do not alert; what fails or crashes is ours to look at.

And one that acts instead of alerting, **reachflow: crash runs without heartbeat**: a flow run
whose process was killed (machine lost, OOM killer, SIGKILL) stays Running in Prefect for ever, so
reconcile would count it as alive; with heartbeats on (``PREFECT_RUNNER_HEARTBEAT_FREQUENCY=30`` in
the workers' environment) a run silent for ``ZOMBIE_AFTER`` is set Crashed, which the alert above
reports and reconcile (or discovery, before PROCESSING) restarts.

Install (again after changing the block; automations of the same name are replaced)::

    python -m flows.alerts --block ops-slack
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from uuid import UUID

from prefect.automations import AutomationCore, ChangeFlowRunState, EventTrigger, Posture, SendNotification
from prefect.blocks.core import Block
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType

__all__ = [
    "ALERT_NAMES",
    "ZOMBIE_MESSAGE",
    "ZOMBIE_NAME",
    "alert_automations",
    "install_alerts",
    "install_zombie_detection",
]

ALERT_NAMES = ("reachflow: job at risk", "reachflow: job overdue", "reachflow: job run failed")
ZOMBIE_NAME = "reachflow: crash runs without heartbeat"
ZOMBIE_AFTER = timedelta(seconds=90)
# The state message of a run the automation crashed; reconcile recognises it (a suspended run that
# the automation caught by mistake is put back to waiting, see flows/reconcile.py).
ZOMBIE_MESSAGE = "Flow run process lost (no heartbeat)"
_TASK_RESOURCE: dict[str, str | list[str]] = {"prefect.resource.id": "reachflow.reach-task.*"}


def _notify(block_id: UUID, subject: str, body: str) -> SendNotification:
    return SendNotification(block_document_id=block_id, subject=subject, body=body)


def alert_automations(block_id: UUID) -> list[AutomationCore]:
    """The three alert automations, sending through the notification block ``block_id``."""
    job_body = (
        "REACH task {{ event.payload.task_id }} of partner {{ event.payload.partner_id }}: "
        "{{ event.payload.used_fraction }} of its window used at '{{ event.payload.step }}', "
        "due {{ event.payload.due }} (flow run {{ event.payload.flow_run_id }})."
    )
    return [
        AutomationCore(
            name=ALERT_NAMES[0],
            description="A REACH job has used its at-risk share of the window.",
            trigger=EventTrigger(
                match=_TASK_RESOURCE, expect={"reachflow.job.at-risk"}, posture=Posture.Reactive, threshold=1
            ),
            actions=[_notify(block_id, "REACH job at risk", job_body)],
        ),
        AutomationCore(
            name=ALERT_NAMES[1],
            description="A REACH job waiting for a person is past its deadline.",
            trigger=EventTrigger(
                match=_TASK_RESOURCE, expect={"reachflow.job.overdue"}, posture=Posture.Reactive, threshold=1
            ),
            actions=[_notify(block_id, "REACH job overdue", job_body)],
        ),
        AutomationCore(
            name=ALERT_NAMES[2],
            description="A ReachFlow run failed or crashed (not a job Rejected for the customer's media).",
            trigger=EventTrigger(
                match={"prefect.resource.id": "prefect.flow-run.*"},
                match_related={"prefect.resource.role": "tag", "prefect.resource.id": "prefect.tag.reachflow"},
                expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
                posture=Posture.Reactive,
                threshold=1,
            ),
            actions=[
                _notify(
                    block_id,
                    "ReachFlow run {{ flow_run.name }} {{ flow_run.state.name }}",
                    "{{ flow_run.name }} ended {{ flow_run.state.name }}: {{ flow_run.state.message }}",
                )
            ],
        ),
    ]


def zombie_automation(after: timedelta = ZOMBIE_AFTER) -> AutomationCore:
    """Set Crashed a flow run whose heartbeats stopped without a final (or paused) state."""
    ends = {
        f"prefect.flow-run.{name}"
        for name in ("Completed", "Failed", "Cancelled", "Crashed", "Paused", "Suspended", "Cancelling")
    }
    return AutomationCore(
        name=ZOMBIE_NAME,
        description="A flow run whose process died (no heartbeat) is set Crashed, so it can be restarted.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *ends},
            match={"prefect.resource.id": ["prefect.flow-run.*"]},
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=after,
        ),
        actions=[ChangeFlowRunState(name=None, state=StateType.CRASHED, message=ZOMBIE_MESSAGE, force=False)],
    )


async def install_zombie_detection(after: timedelta = ZOMBIE_AFTER) -> UUID:
    """Create (or replace) the automation that crashes runs whose heartbeats stopped."""
    automation = zombie_automation(after)
    async with get_client() as client:
        for old in await client.read_automations_by_name(automation.name):
            await client.delete_automation(old.id)
        return await client.create_automation(automation)


async def install_alerts(block_name: str) -> list[UUID]:
    """Create (or replace) the alert automations, sending through the block named ``block_name``
    (``<block-type-slug>/<name>``, e.g. ``slack-webhook/ops``, or a plain name if it is unique)."""
    block = await _load_block(block_name)
    assert block._block_document_id is not None
    created: list[UUID] = []
    async with get_client() as client:
        for automation in alert_automations(block._block_document_id):
            for old in await client.read_automations_by_name(automation.name):
                await client.delete_automation(old.id)
            created.append(await client.create_automation(automation))
    return created


async def _load_block(name: str) -> Block:
    if "/" in name:
        return await Block.aload(name)  # type: ignore[no-any-return]
    async with get_client() as client:
        documents = [d for d in await client.read_block_documents() if d.name == name]
    if len(documents) != 1 or documents[0].block_type is None:
        raise SystemExit(f"no single notification block named {name!r}; give <block-type-slug>/<name>")
    return await Block.aload(f"{documents[0].block_type.slug}/{name}")  # type: ignore[no-any-return]


def main() -> None:
    """``python -m flows.alerts --block NAME``."""
    parser = argparse.ArgumentParser(description="Install ReachFlow's alert automations")
    parser.add_argument("--block", required=True, help="notification block: <block-type-slug>/<name> or <name>")
    args = parser.parse_args()
    ids = asyncio.run(install_alerts(args.block))
    asyncio.run(install_zombie_detection())
    print(f"Installed {len(ids) + 1} automations: {', '.join((*ALERT_NAMES, ZOMBIE_NAME))}")


if __name__ == "__main__":
    main()

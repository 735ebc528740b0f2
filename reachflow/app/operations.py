"""Operator actions on the running system (through the Prefect API).

* :func:`drain`: stop taking new jobs. The discovery deployment is paused, so its schedule creates
  no more runs, and discovery runs already queued (scheduled, not started) are deleted. Service
  runs already started, and reconcile, carry on.
* :func:`undrain`: take jobs again.
"""

from __future__ import annotations

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType

__all__ = ["DISCOVERY_DEPLOYMENT", "drain", "undrain"]

DISCOVERY_DEPLOYMENT = "reach-discovery/discovery"


async def drain(deployment_name: str = DISCOVERY_DEPLOYMENT) -> int:
    """Pause discovery and delete its queued runs; returns how many queued runs were removed."""
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(deployment_name)
        await client.pause_deployment(deployment.id)
        queued = await client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
            ),
            limit=200,
        )
        for run in queued:
            await client.delete_flow_run(run.id)
        return len(queued)


async def undrain(deployment_name: str = DISCOVERY_DEPLOYMENT) -> None:
    """Resume the discovery deployment (its schedule creates runs again)."""
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(deployment_name)
        await client.resume_deployment(deployment.id)

"""The alert automations install against a real Prefect server and watch the right things."""

from __future__ import annotations

import asyncio

from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client

from flows.alerts import ALERT_NAMES, install_alerts


def test_alerts_install_once_and_watch_at_risk_overdue_and_failed_runs() -> None:
    CustomWebhookNotificationBlock(name="ops", url="http://127.0.0.1:9/hook").save("ops-hook", overwrite=True)
    asyncio.run(install_alerts("ops-hook"))
    asyncio.run(install_alerts("custom-webhook/ops-hook"))  # installing again replaces, never doubles

    async def read() -> dict[str, object]:
        async with get_client() as client:
            return {name: await client.read_automations_by_name(name) for name in ALERT_NAMES}

    found = asyncio.run(read())
    assert all(len(v) == 1 for v in found.values())  # type: ignore[arg-type]
    at_risk, overdue, failed = (found[name][0] for name in ALERT_NAMES)  # type: ignore[index]
    assert at_risk.trigger.expect == {"reachflow.job.at-risk"}
    assert overdue.trigger.expect == {"reachflow.job.overdue"}
    assert failed.trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    assert "prefect.flow-run.Rejected" not in failed.trigger.expect  # the customer's media: no alarm
    assert all(a.actions[0].type == "send-notification" for a in (at_risk, overdue, failed))

"""The ``reachflow`` command line.

* ``reachflow sandbox [--host] [--port] [--scenario FILE]``: serve the Kaltura api_v3 sandbox.
* ``reachflow sandbox credentials [--scenario FILE]``: the scenario's service URL and secrets (JSON).
* ``reachflow demo``: Prefect server + sandbox + deployments + worker + discovery, then a table of
  every task (what ``make demo`` runs).
* ``reachflow account save``: store a ``KalturaVendorAccount`` block from flags or environment.
* ``reachflow jobs``: every REACH task of this vendor and its status, from Kaltura.
* ``reachflow drain`` / ``reachflow undrain``: stop / resume taking new jobs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(help="ReachFlow: the vendor side of Kaltura REACH on Prefect.", no_args_is_help=True)
sandbox_app = typer.Typer(help="The local Kaltura api_v3 sandbox.")
account_app = typer.Typer(help="The vendor's Kaltura account (a Prefect block).")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(account_app, name="account")

ScenarioOption = Annotated[
    Optional[Path],
    typer.Option("--scenario", help="Scenario file (YAML); the default scenario when omitted."),
]


@sandbox_app.callback(invoke_without_command=True)
def sandbox(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    scenario: ScenarioOption = None,
    faults: Annotated[
        Optional[Path], typer.Option(help="Fault-injection plan (YAML); off when omitted.")
    ] = None,
    media_dir: Annotated[
        Optional[Path], typer.Option(help="Where synthesised media is cached.")
    ] = None,
) -> None:
    """Serve the sandbox (a faithful local Kaltura api_v3) until interrupted."""
    if ctx.invoked_subcommand is not None:
        return
    from kaltura_sandbox.server import serve

    serve(host=host, port=port, scenario_path=scenario, media_dir=media_dir, faults_path=faults)


@sandbox_app.command("credentials")
def sandbox_credentials(
    scenario: ScenarioOption = None,
    service_url: Annotated[
        str, typer.Option(help="The URL the sandbox is served at.")
    ] = "http://127.0.0.1:8765",
) -> None:
    """Print the scenario's service URL and credentials as JSON."""
    from kaltura_sandbox.server import credentials

    typer.echo(json.dumps(credentials(scenario, service_url=service_url), indent=2))


@account_app.command("save")
def account_save(
    service_url: Annotated[str, typer.Option(envvar="REACHFLOW_SERVICE_URL")],
    vendor_partner_id: Annotated[int, typer.Option(envvar="REACHFLOW_VENDOR_PARTNER_ID")],
    vendor_name: Annotated[str, typer.Option(envvar="REACHFLOW_VENDOR_NAME")] = "reachflow",
    app_token_id: Annotated[Optional[str], typer.Option(envvar="REACHFLOW_APP_TOKEN_ID")] = None,
    app_token: Annotated[Optional[str], typer.Option(envvar="REACHFLOW_APP_TOKEN")] = None,
    app_token_hash_type: Annotated[str, typer.Option(envvar="REACHFLOW_APP_TOKEN_HASH_TYPE")] = "SHA256",
    admin_secret: Annotated[Optional[str], typer.Option(envvar="REACHFLOW_ADMIN_SECRET")] = None,
    name: Annotated[str, typer.Option(help="Block name.")] = "reachflow-vendor",
) -> None:
    """Save the vendor's Kaltura account as a Prefect block (secrets stored as SecretStr)."""
    from blocks.kaltura import KalturaVendorAccount

    account = KalturaVendorAccount(
        service_url=service_url,
        vendor_partner_id=vendor_partner_id,
        vendor_name=vendor_name,
        app_token_id=app_token_id,
        app_token=app_token,
        app_token_hash_type=app_token_hash_type,
        admin_secret=admin_secret,
    )
    account.save(name, overwrite=True)
    typer.echo(f"saved KalturaVendorAccount block {name!r} for partner {vendor_partner_id}")


@app.command("jobs")
def jobs(
    account_block: Annotated[str, typer.Option(help="KalturaVendorAccount block name.")] = "reachflow-vendor",
) -> None:
    """List this vendor's REACH tasks and their status, read from Kaltura."""
    from reachflow.report import print_task_table

    print_task_table(account_block)


@app.command("drain")
def drain_cmd() -> None:
    """Stop taking new jobs: pause discovery (running jobs finish)."""
    import asyncio

    from reachflow.operations import drain

    removed = asyncio.run(drain())
    typer.echo(f"discovery paused; removed {removed} queued discovery run(s). Running jobs carry on.")


@app.command("undrain")
def undrain_cmd() -> None:
    """Take new jobs again: resume discovery."""
    import asyncio

    from reachflow.operations import undrain

    asyncio.run(undrain())
    typer.echo("discovery resumed")


@app.command("demo")
def demo(
    exit_when_done: Annotated[
        bool, typer.Option("--exit", help="Stop everything after printing the table (smoke test).")
    ] = False,
    timeout: Annotated[int, typer.Option(help="Seconds to wait for the jobs to settle.")] = 900,
) -> None:
    """Run the whole system locally: Prefect, sandbox, deployments, worker, discovery."""
    from reachflow.demo import run_demo

    raise typer.Exit(run_demo(exit_when_done=exit_when_done, timeout=timeout))


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()

"""The ``reachflow`` command line.

* ``reachflow sandbox [--host] [--port] [--scenario FILE]``: serve the Kaltura api_v3 sandbox.
* ``reachflow sandbox credentials [--scenario FILE]``: the scenario's service URL and secrets (JSON).
* ``reachflow demo``: Prefect server + sandbox + deployments + worker + discovery, then a table of
  every task (what ``make demo`` runs).
* ``reachflow account save``: store a ``KalturaVendorAccount`` block from flags or environment.
* ``reachflow jobs``: every REACH task of this vendor and its status, from Kaltura.
* ``reachflow engines``: the machine translation language pairs this machine serves, and by which engine.
* ``reachflow drain`` / ``reachflow undrain``: stop / resume taking new jobs.
* ``reachflow review list|show RUN|submit RUN --file F [--accuracy N] [--note T]``: jobs waiting
  for a person; what one needs; hand in the person's work (resumes the run).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="ReachFlow: the vendor side of Kaltura REACH on Prefect.", no_args_is_help=True)
sandbox_app = typer.Typer(help="The local Kaltura api_v3 sandbox.")
account_app = typer.Typer(help="The vendor's Kaltura account (a Prefect block).")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(account_app, name="account")
review_app = typer.Typer(
    help="Jobs waiting for a person (human captions and other human services).", no_args_is_help=True
)
app.add_typer(review_app, name="review")

ScenarioOption = Annotated[
    Path | None,
    typer.Option("--scenario", help="Scenario file (YAML); the default scenario when omitted."),
]


@sandbox_app.callback(invoke_without_command=True)
def sandbox(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    scenario: ScenarioOption = None,
    faults: Annotated[Path | None, typer.Option(help="Fault-injection plan (YAML); off when omitted.")] = None,
    media_dir: Annotated[Path | None, typer.Option(help="Where synthesised media is cached.")] = None,
) -> None:
    """Serve the sandbox (a faithful local Kaltura api_v3) until interrupted."""
    if ctx.invoked_subcommand is not None:
        return
    from kaltura_sandbox.server import serve

    serve(host=host, port=port, scenario_path=scenario, media_dir=media_dir, faults_path=faults)


@sandbox_app.command("credentials")
def sandbox_credentials(
    scenario: ScenarioOption = None,
    service_url: Annotated[str, typer.Option(help="The URL the sandbox is served at.")] = "http://127.0.0.1:8765",
) -> None:
    """Print the scenario's service URL and credentials as JSON."""
    from kaltura_sandbox.server import credentials

    typer.echo(json.dumps(credentials(scenario, service_url=service_url), indent=2))


@sandbox_app.command("routes")
def sandbox_routes() -> None:
    """List the api_v3 services and actions the sandbox serves (everything else gets Kaltura's error)."""
    from kaltura_sandbox.routes import print_routes

    print_routes()


@account_app.command("save")
def account_save(
    service_url: Annotated[str, typer.Option(envvar="REACHFLOW_SERVICE_URL")],
    vendor_partner_id: Annotated[int, typer.Option(envvar="REACHFLOW_VENDOR_PARTNER_ID")],
    vendor_name: Annotated[str, typer.Option(envvar="REACHFLOW_VENDOR_NAME")] = "reachflow",
    app_token_id: Annotated[str | None, typer.Option(envvar="REACHFLOW_APP_TOKEN_ID")] = None,
    app_token: Annotated[str | None, typer.Option(envvar="REACHFLOW_APP_TOKEN")] = None,
    app_token_hash_type: Annotated[str, typer.Option(envvar="REACHFLOW_APP_TOKEN_HASH_TYPE")] = "SHA256",
    admin_secret: Annotated[str | None, typer.Option(envvar="REACHFLOW_ADMIN_SECRET")] = None,
    name: Annotated[str, typer.Option(help="Block name.")] = "reachflow-vendor",
) -> None:
    """Save the vendor's Kaltura account as a Prefect block (secrets stored as SecretStr)."""
    from blocks.kaltura import KalturaVendorAccount

    account = KalturaVendorAccount.model_validate(
        dict(
            service_url=service_url,
            vendor_partner_id=vendor_partner_id,
            vendor_name=vendor_name,
            app_token_id=app_token_id,
            app_token=app_token,
            app_token_hash_type=app_token_hash_type,
            admin_secret=admin_secret,
        )
    )
    account.save(name, overwrite=True)
    typer.echo(f"saved KalturaVendorAccount block {name!r} for partner {vendor_partner_id}")


@app.command("jobs")
def jobs(
    account_block: Annotated[str, typer.Option(help="KalturaVendorAccount block name.")] = "reachflow-vendor",
) -> None:
    """List this vendor's REACH tasks and their status, read from Kaltura."""
    from reachflow.app.report import print_task_table

    print_task_table(account_block)


@app.command("engines")
def engines() -> None:
    """List the machine translation pairs this machine serves (engine, input, expected quality)."""
    from reachflow.translation import TABLE_HEADERS, engine_table

    rows = engine_table()
    if not rows:
        typer.echo("no machine translation engine is installed on this machine")
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(TABLE_HEADERS)]
    typer.echo("  ".join(h.ljust(w) for h, w in zip(TABLE_HEADERS, widths, strict=True)).rstrip())
    typer.echo("  ".join("-" * w for w in widths))
    for row in rows:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    typer.echo(
        "\nA MACHINE translation task whose pair is not listed ends in ERROR "
        '("no machine translation engine for …"); HUMAN tasks still go to a person.'
    )


@app.command("drain")
def drain_cmd() -> None:
    """Stop taking new jobs: pause discovery (running jobs finish)."""
    import asyncio

    from reachflow.app.operations import drain

    removed = asyncio.run(drain())
    typer.echo(f"discovery paused; removed {removed} queued discovery run(s). Running jobs carry on.")


@app.command("undrain")
def undrain_cmd() -> None:
    """Take new jobs again: resume discovery."""
    import asyncio

    from reachflow.app.operations import undrain

    asyncio.run(undrain())
    typer.echo("discovery resumed")


@review_app.command("list")
def review_list() -> None:
    """Every run waiting for a person: run name, REACH task, since when, which submission."""
    import asyncio

    from reachflow.app.reviews import waiting_runs

    runs = asyncio.run(waiting_runs())
    if not runs:
        typer.echo("no run is waiting for a person")
        return
    typer.echo(f"{'flow run':<28} {'task':>7} {'partner':>7}  {'submission':>10}  waiting since (UTC)    id")
    for run in runs:
        since = run.since.strftime("%Y-%m-%d %H:%M") if run.since else "?"
        typer.echo(
            f"{run.name:<28} {run.task_id or '?':>7} {run.partner_id or '?':>7}  {run.submission:>10}  "
            f"{since:<21}  {run.id}"
        )


@review_app.command("show")
def review_show(
    run: Annotated[str, typer.Argument(help="Flow run name (e.g. captions-2001-5003) or id.")],
    draft: Annotated[
        bool,
        typer.Option(
            "--draft", help="Print only the text to correct (the form's prefilled text), e.g. `> corrected.srt`."
        ),
    ] = False,
) -> None:
    """The work package of a waiting run (media, draft, rules, notes) and what its form asks."""
    import asyncio

    from reachflow.app.reviews import ReviewError, show_run, text_field

    try:
        shown = asyncio.run(show_run(run))
        if draft:
            field = text_field(shown["schema"])
            typer.echo(shown["schema"]["properties"][field].get("default", ""), nl=False)
            return
    except ReviewError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    waiting = shown["run"]
    typer.echo(f"Flow run {waiting.name} ({waiting.id}), REACH task {waiting.task_id}, submission {waiting.submission}")
    typer.echo("")
    typer.echo(shown["description"])
    fields = shown["schema"].get("properties", {})
    typer.echo(
        "\nForm fields: "
        + ", ".join(
            f"{name} ({spec.get('type', '?')}{_default_text(spec)})"
            for name, spec in fields.items()
            if name != "metadata"
        )
    )
    typer.echo("")
    typer.echo(shown["work_package"] or "(no work package artifact found)")


def _default_text(spec: dict[str, object]) -> str:
    if "default" not in spec:
        return ""
    value = spec["default"]
    if isinstance(value, str) and ("\n" in value or len(value) > 40):
        return f", prefilled: {value.count(chr(10)) + 1} lines, see `--draft`"
    return f", default {value!r}"


AUDIO_SUFFIXES = {".wav", ".mp3", ".m4a", ".mp4", ".aac", ".flac", ".ogg", ".opus", ".webm", ".mov"}


@review_app.command("submit")
def review_submit(
    run: Annotated[str, typer.Argument(help="Flow run name (e.g. captions-2001-5003) or id.")],
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            exists=True,
            dir_okay=False,
            readable=True,
            help="The work: corrected.srt or .vtt, or a recorded track (track.wav) for human dubbing.",
        ),
    ],
    accuracy: Annotated[int | None, typer.Option(min=0, max=100, help="Accuracy you vouch for (%).")] = None,
    note: Annotated[str | None, typer.Option(help="A note for the operations team.")] = None,
) -> None:
    """Hand in a person's work: resumes the run, which checks it and delivers it (or asks again)."""
    import asyncio

    from reachflow.app.reviews import ReviewError, submit

    values: dict[str, object] = {}
    if accuracy is not None:
        values["accuracy"] = accuracy
    if note is not None:
        values["note"] = note
    # A recorded track (audio/video, or any binary file) is handed in by its path; text goes in the form.
    text: str | None = None
    if file.suffix.lower() not in AUDIO_SUFFIXES:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = None
    try:
        if text is None:
            waiting = asyncio.run(submit(run, values, file_path=str(file.resolve())))
        else:
            waiting = asyncio.run(submit(run, values, file_text=text))
    except ReviewError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"submitted {file.name} to {waiting.name}: the run resumes, checks it and delivers it. "
        f"If it is not accepted the run waits again; `reachflow review show {waiting.name}` then says why."
    )


@app.command("demo")
def demo(
    exit_when_done: Annotated[
        bool, typer.Option("--exit", help="Stop everything after printing the table (smoke test).")
    ] = False,
    timeout: Annotated[int, typer.Option(help="Seconds to wait for the jobs to settle.")] = 900,
    scenario: Annotated[
        Path | None, typer.Option(help="Your own scenario (YAML, kaltura_sandbox/scenarios/README.md).")
    ] = None,
    faults: Annotated[
        Path | None, typer.Option(help="A fault plan (YAML) to rehearse under; off when omitted.")
    ] = None,
) -> None:
    """Run the whole system locally: Prefect, sandbox, deployments, worker, discovery."""
    from reachflow.app.demo import run_demo

    raise typer.Exit(run_demo(exit_when_done=exit_when_done, timeout=timeout, scenario=scenario, faults=faults))


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()

"""`workbench sandbox ...`: serve the simulated APIs on loopback."""

from __future__ import annotations

from typing import Annotated

import typer

from workbench.cli.output import console, fail
from workbench.sandbox import (
    FaultSpec,
    FaultSpecError,
    Sandbox,
    SandboxConfig,
    SandboxConfigError,
)
from workbench.sandbox.accounts import APPTENTIVE_APPS, CROWDSKOUT_ORGANIZATIONS, WOOTRIC_USERS
from workbench.sandbox.serve import serve_forever


def sizes(flag: str, text: str) -> tuple[int, ...]:
    """A comma-separated list of row counts ("400,2200"; empty for none), or a one-line exit."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        fail(f"{flag}: {text!r} is not a list of whole numbers; give sizes like 2000,2000", code=2)


app = typer.Typer(
    help="The built-in sandbox: a local simulator of the four APIs.", no_args_is_help=True
)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (keep it on loopback).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic dataset.")] = 7,
    responses: Annotated[int, typer.Option(help="Wootric NPS responses to generate.")] = 20_000,
    rate_limit: Annotated[
        int, typer.Option(help="Requests per window per Wootric account; 0 switches limits off.")
    ] = 100,
    rate_window: Annotated[float, typer.Option(help="Length of a rate window, in seconds.")] = 60.0,
    token_ttl: Annotated[float, typer.Option(help="Lifetime of access tokens (s).")] = 7200.0,
    faults: Annotated[
        str,
        typer.Option(help="Faults to inject, e.g. 'latency=20ms,500=0.05,429=0.02,drop=0.01'."),
    ] = "",
    bursts: Annotated[
        str,
        typer.Option(help="Sizes of same-second bursts in the first NPS account, e.g. 2000,2000."),
    ] = "400,2200",
    dense_days: Annotated[
        str,
        typer.Option(help="Sizes of days packed with extra responses, e.g. 4000,4000 (none)."),
    ] = "",
) -> None:
    """Serve the four simulated APIs until Ctrl-C."""
    try:
        spec = FaultSpec.parse(faults)
    except FaultSpecError as exc:
        fail(f"--faults: {exc}", code=2)
    if responses < 0:
        fail("--responses must be zero or more", code=2)
    try:
        config = SandboxConfig(
            seed=seed,
            responses=responses,
            rate_limit=rate_limit or None,
            rate_window=rate_window,
            token_ttl=token_ttl,
            faults=spec,
            bursts=sizes("--bursts", bursts),
            dense_days=sizes("--dense-days", dense_days),
        )
    except SandboxConfigError as exc:
        fail(f"--{exc.field.replace('_', '-')}: {exc.problem}", code=2)
    with console.status("generating the sandbox dataset..."):
        sandbox = Sandbox(config)
    base = f"http://{host}:{port}"
    user = WOOTRIC_USERS[0]
    console.print(f"[bold]Sandbox[/] listening on {base} (seed {seed}, faults: {spec.describe()})")
    for name in sandbox.platforms:
        console.print(f"  {name:<11} {base}/{name}")
    console.print(f"  Wootric/CXI login: {user.email} / {user.password}")
    console.print(f"  Apptentive token:  {APPTENTIVE_APPS[0].token}")
    console.print(f"  Crowdskout client: {CROWDSKOUT_ORGANIZATIONS[0].client_id}")
    console.print("Press Ctrl-C to stop.")
    try:
        serve_forever(sandbox, host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port")

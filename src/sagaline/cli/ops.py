"""`migrate`, `demo`, `soak`, `bench`: working with the running system."""

from __future__ import annotations

import orjson
import psycopg
import typer

from sagaline import demo as demo_run
from sagaline.cli.common import readable_errors, say, timed
from sagaline.core.outbox import store as outbox
from sagaline.core.postgres.migrations import migrate_dsn
from sagaline.devstack import Stack
from sagaline.seed_saga import SERVICES

app = typer.Typer()


@app.command()
def migrate() -> None:
    """Apply each service's pending SQL migrations to its database (services do it on start)."""
    stack = Stack()
    with readable_errors(stack):
        for spec in SERVICES:
            applied = migrate_dsn(spec.dsn(stack.settings), spec.migrations)
            say(f"{spec.name}: {', '.join(applied) or 'up to date'}")


@app.command("outbox-requeue")
def outbox_requeue(service: str = typer.Argument(..., help="order, payment or inventory")) -> None:
    """Send the outbox rows the broker refused for good once more (after fixing the cause)."""
    spec = next((s for s in SERVICES if s.name == service), None)
    if spec is None:
        say(f"error: unknown service {service!r}")
        raise typer.Exit(2)
    stack = Stack()
    with readable_errors(stack), psycopg.connect(spec.dsn(stack.settings)) as conn:
        say(f"{service}: {outbox.requeue_failed(conn)} failed outbox rows queued again")


@app.command()
def demo(
    orders: int = typer.Option(30, min=1, max=10_000, help="How many orders to place."),
    keep: bool = typer.Option(False, "--keep", help="Leave the stack running afterwards."),
) -> None:
    """Bring the system up, run a batch of orders through every path, report, shut down."""
    stack = Stack()
    with readable_errors(stack, cleanup=True):
        timed("infrastructure", stack.start_infra)
        timed("services", stack.start_services)
        timed("dashboard", stack.start_dashboard)
    say(f"dashboard: {stack.dashboard.address}")
    try:
        ok = demo_run.run(stack.settings, orders)
    finally:
        if not keep:
            say("stopping what the demo started ...")
            stack.stop_started()
    raise typer.Exit(0 if ok else 1)


@app.command()
def soak(
    minutes: float = typer.Option(10.0, min=0.1, help="How long to keep breaking things."),
    rate: float = typer.Option(20.0, min=1, max=500, help="Orders per second meanwhile."),
) -> None:
    """The chaos tier for as long as asked (not run in CI): crashes at every fault point,
    Kafka killed, databases restarted, under load; then an audit and a summary."""
    from sagaline.chaos import run as chaos_run

    stack = Stack()
    with readable_errors(stack, cleanup=True):
        stack.start_infra()
        stack.start_services()
        summary = chaos_run.run(stack, rounds=1, rate_per_s=rate, duration_s=minutes * 60)
    typer.echo(orjson.dumps(summary.as_dict(), option=orjson.OPT_INDENT_2).decode())
    if summary.report is not None:
        typer.echo(summary.report.text())
    raise typer.Exit(0 if summary.ok else 1)


@app.command()
def bench(
    quick: bool = typer.Option(False, "--quick", help="A few seconds per part (CI smoke run)."),
    steps: str = typer.Option("", help="Offered sagas/s, e.g. 50,100,200 (default 50..1600)."),
    step_seconds: float = typer.Option(30.0, min=1, max=600, help="Length of each step."),
    warm_up_seconds: float = typer.Option(30.0, min=0, max=600, help="Closed loop before "
                                          "the steps, not measured (0: a cold stack)."),
    baseline: bool = typer.Option(True, help="Also measure the seed-like baseline (restarts "
                                             "the services twice)."),
    out: str = typer.Option("docs/bench", help="Where the JSON and plots go."),
) -> None:
    """Benchmark the running stack (make up ARGS=--detach first); see docs/performance.md."""
    from pathlib import Path

    from sagaline.bench.cli import main

    raise typer.Exit(main(quick, steps, step_seconds, baseline, Path(out), say, warm_up_seconds))

"""`migrate`, `demo`, `soak`: working with the running system (`bench`: cli/bench_cmd.py)."""

from __future__ import annotations

from importlib.abc import Traversable
from importlib.resources import files
from typing import Any

import orjson
import psycopg
import typer

from sagaline import demo as demo_run
from sagaline.cli.common import SagaOption, choose_stack_saga, readable_errors, say, timed
from sagaline.core.outbox import store as outbox
from sagaline.core.postgres import migrations
from sagaline.core.postgres.migrations import migrate_dsn
from sagaline.core.saga import Service
from sagaline.devstack import Stack

app = typer.Typer()


@app.command()
def migrate(saga: SagaOption = None) -> None:
    """Apply each service's pending SQL migrations to its database (services do it on start)."""
    chosen = choose_stack_saga(saga)
    stack = Stack()
    with readable_errors(stack):
        for name in chosen.names:
            applied = migrate_dsn(stack.settings.dsn(name), _sources(chosen.service(name)))
            say(f"{name}: {', '.join(applied) or 'up to date'}")


def _sources(service: Service[Any]) -> list[tuple[str, Traversable]]:
    """The core's tables (outbox, inbox), then the step's own `sql/NNN_*.sql`, as the
    service applies them on start (core.runtime.compose)."""
    return [migrations.CORE_MIGRATIONS, (service.name, files(service.package) / "sql")]


@app.command("outbox-requeue")
def outbox_requeue(service: str = typer.Argument(..., help="A service of the saga."),
                   saga: SagaOption = None) -> None:
    """Send the outbox rows the broker refused for good once more (after fixing the cause)."""
    chosen = choose_stack_saga(saga)
    if service not in chosen.names:
        say(f"error: unknown service {service!r}; one of {', '.join(chosen.names)}")
        raise typer.Exit(2)
    stack = Stack()
    with readable_errors(stack), psycopg.connect(stack.settings.dsn(service)) as conn:
        say(f"{service}: {outbox.requeue_failed(conn)} failed outbox rows queued again")


@app.command()
def demo(
    orders: int = typer.Option(30, min=1, max=10_000, help="How many orders to place."),
    keep: bool = typer.Option(False, "--keep", help="Leave the stack running afterwards."),
    saga: SagaOption = None,
) -> None:
    """Bring the system up, run a batch of orders through every path, report, shut down."""
    choose_stack_saga(saga)
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
    saga: SagaOption = None,
) -> None:
    """The chaos tier for as long as asked (not run in CI): crashes at every fault point,
    Kafka killed, databases restarted, under load; then an audit and a summary."""
    from sagaline.chaos import run as chaos_run

    choose_stack_saga(saga)
    stack = Stack()
    with readable_errors(stack, cleanup=True):
        stack.start_infra()
        stack.start_services()
        summary = chaos_run.run(stack, rounds=1, rate_per_s=rate, duration_s=minutes * 60)
    typer.echo(orjson.dumps(summary.as_dict(), option=orjson.OPT_INDENT_2).decode())
    if summary.report is not None:
        typer.echo(summary.report.text())
    raise typer.Exit(0 if summary.ok else 1)

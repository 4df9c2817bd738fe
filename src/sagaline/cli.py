"""`python -m sagaline ...`: thin commands over the stack launcher, migrations and the demo."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import orjson
import typer

from sagaline import demo as demo_run
from sagaline.audit.command import check as audit_check
from sagaline.core.migrations import migrate_dsn
from sagaline.dlq_cli import dlq_app
from sagaline.services import SERVICES
from sagaline.services.topics import ALL_TOPICS
from sagaline.stack import Stack, StackError
from sagaline.stack.foreground import supervise
from sagaline.stack.kafka import ensure_jars, kafka_home
from sagaline.stack.report import table
from sagaline.stack.topics import ensure_topics

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
app.command("check")(audit_check)  # the consistency auditor (sagaline.audit)


def say(text: str) -> None:
    typer.echo(text, err=True)


@contextmanager
def readable_errors(stack: Stack, cleanup: bool = False) -> Iterator[None]:
    """Turn StackError / Ctrl-C into a message and exit 1; optionally stop what was started."""
    try:
        yield
    except (StackError, KeyboardInterrupt) as err:
        say(f"error: {err}" if isinstance(err, StackError) else "interrupted")
        if isinstance(err, StackError) and err.detail:
            say(err.detail)
        if cleanup and stack.started:
            say("stopping what was started ...")
            stack.stop_started()
        raise typer.Exit(1) from None


def _timed(label: str, step: Callable[[], None]) -> None:
    begin = time.monotonic()
    step()
    say(f"{label} ready in {time.monotonic() - begin:.1f} s")


@app.command()
def up(
    detach: bool = typer.Option(False, "--detach", "-d", help="Return, leaving it running."),
    fresh: bool = typer.Option(False, "--fresh", help="Stop and wipe all data first."),
    no_services: bool = typer.Option(False, "--no-services", help="Start infrastructure only."),
) -> None:
    """Start Kafka, three Postgres servers and the services; foreground unless --detach."""
    stack = Stack()
    with readable_errors(stack, cleanup=True):
        if fresh:
            stack.wipe()
        _timed("infrastructure", stack.start_infra)
        if not no_services:
            _timed("services", stack.start_services)
    typer.echo(table(stack.status()))
    if not detach:
        say("running in the foreground; Ctrl-C stops everything")
        names = stack.infra_names + ([] if no_services else stack.service_names)
        raise typer.Exit(supervise(stack, names, say))


@app.command()
def down(wipe: bool = typer.Option(False, "--wipe", help="Also delete the stack dir.")) -> None:
    """Stop everything the stack started (services, Kafka, Postgres); data stays."""
    stack = Stack()
    with readable_errors(stack):
        stack.wipe() if wipe else stack.stop_all()
    say("stack stopped" + (" and wiped" if wipe else ""))


@app.command()
def status() -> None:
    """Each component: running or not, pid, address, data dir, log file."""
    stack = Stack()
    with readable_errors(stack):
        typer.echo(table(stack.status()))


@app.command()
def fetch() -> None:
    """Fetch Kafka's jars with Maven (once per pom.xml version)."""
    stack = Stack()
    with readable_errors(stack):
        say(f"Kafka jars in {ensure_jars(kafka_home())}")


@app.command()
def topics() -> None:
    """Create the saga's topics at KAFKA_BOOTSTRAP_SERVERS (idempotent; used by compose)."""
    stack = Stack()
    with readable_errors(stack):
        s = stack.settings
        stack.kafka.wait_ready(120)
        made = ensure_topics(s.kafka_bootstrap_servers, ALL_TOPICS, s.topic_partitions,
                             s.kafka_client_config, s.topic_replication_factor)
        say(f"topics created: {', '.join(made) or 'none (all exist)'}")


@app.command()
def migrate() -> None:
    """Apply each service's pending SQL migrations to its database (services do it on start)."""
    stack = Stack()
    with readable_errors(stack):
        for spec in SERVICES:
            applied = migrate_dsn(spec.dsn(stack.settings), spec.migrations)
            say(f"{spec.name}: {', '.join(applied) or 'up to date'}")


@app.command()
def demo(
    orders: int = typer.Option(30, min=1, max=10_000, help="How many orders to place."),
    keep: bool = typer.Option(False, "--keep", help="Leave the stack running afterwards."),
) -> None:
    """Bring the system up, run a batch of orders through every path, report, shut down."""
    stack = Stack()
    with readable_errors(stack, cleanup=True):
        _timed("infrastructure", stack.start_infra)
        _timed("services", stack.start_services)
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
    baseline: bool = typer.Option(True, help="Also measure the seed-like baseline (restarts "
                                             "the services twice)."),
    out: str = typer.Option("bench/results", help="Where the JSON and plots go."),
) -> None:
    """Benchmark the running stack (make up ARGS=--detach first); see docs/performance.md."""
    from pathlib import Path

    from sagaline.bench.cli import main

    raise typer.Exit(main(quick, steps, step_seconds, baseline, Path(out), say))


app.add_typer(dlq_app, name="dlq")

"""`bench`: benchmark the running stack; `bench history N`: load N finished sagas into its
databases first (docs/performance.md, "With a long history")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from sagaline.bench import history
from sagaline.bench.history_step import NoHistory, Plan
from sagaline.cli.common import SagaOption, choose_stack_saga, readable_errors, say
from sagaline.core.postgres.migrations import migrate_dsn
from sagaline.core.runtime.compose import migrations_of
from sagaline.core.saga import Saga
from sagaline.devstack import Stack

bench_app = typer.Typer(invoke_without_command=True)


@bench_app.callback()
def bench(
    ctx: typer.Context,
    quick: bool = typer.Option(False, "--quick", help="A few seconds per part (CI smoke run)."),
    steps: str = typer.Option("", help="Offered sagas/s, e.g. 50,100,200 (default 50..1600)."),
    step_seconds: float = typer.Option(30.0, min=1, max=600, help="Length of each step."),
    warm_up_seconds: float = typer.Option(30.0, min=0, max=600, help="Closed loop before "
                                          "the steps, not measured (0: a cold stack)."),
    baseline: bool = typer.Option(True, help="Also measure the seed-like baseline (restarts "
                                             "the services twice)."),
    out: str = typer.Option("docs/bench", help="Where the JSON and plots go."),
    saga: SagaOption = None,
) -> None:
    """Benchmark the running stack (make up ARGS=--detach first); see docs/performance.md."""
    if ctx.invoked_subcommand is not None:
        return
    from sagaline.bench.cli import main

    choose_stack_saga(saga)
    raise typer.Exit(main(quick, steps, step_seconds, baseline, Path(out), say, warm_up_seconds))


@bench_app.command("history")
def load_history(
    count: int = typer.Argument(..., min=1, help="How many finished sagas to write."),
    days: float = typer.Option(30.0, min=0.001, help="Spread them over this many days, the "
                               "last ending a few minutes ago."),
    tag: str = typer.Option("", help="Names this load's users and SKUs (default: the time)."),
    seed: int = typer.Option(0, help="Seed of the random totals, items and ids."),
    force: bool = typer.Option(False, "--force", help="Write even into databases that hold "
                               "sagas the loader did not write."),
    saga: SagaOption = None,
) -> None:
    """Write COUNT finished sagas straight into each service's database (COPY), with the
    demo's mix of outcomes and balanced books; print the rate and each database's size."""
    write_history(choose_stack_saga(saga), count, days, tag, seed, force)


def write_history(chosen: Saga, count: int, days: float, tag: str, seed: int,
                  force: bool) -> None:
    """`bench history`'s work, on the local stack's databases (also `side-by-side
    --compare`'s)."""
    stack = Stack()
    settings = stack.settings
    end = datetime.now(UTC) - timedelta(minutes=5)  # settled: past any audit's grace
    plan = Plan(count, tag or end.strftime("%Y%m%d%H%M%S"), end - timedelta(days=days), end,
                seed, settings.starting_credit)
    with readable_errors(stack):
        dsns = {name: settings.dsn(name, chosen) for name in chosen.names}
        for name in chosen.names:  # the tables, as the services would make them on start
            migrate_dsn(dsns[name], migrations_of(chosen.service(name)))
        try:
            loaded = history.load(chosen, dsns, plan, settings.inbox_retention_s, force, say)
        except (NoHistory, history.Refused) as err:
            say(f"error: {err}")
            raise typer.Exit(2) from None
        say(f"history: {loaded.sagas:,} sagas in {loaded.seconds:.1f} s "
            f"({loaded.rate:,.0f} sagas/s)")
        for name, rows in loaded.rows.items():
            history.vacuum(dsns[name], rows)
            sizes = history.sizes(dsns[name])
            tables = ", ".join(f"{t} {sizes.get(t, 0) / 2**20:,.1f} MB" for t in rows)
            say(f"{name}: database {sizes['database'] / 2**20:,.1f} MB, {sizes['sagas']:,}"
                f" sagas loaded ({sizes['database'] / max(1, sizes['sagas']):,.0f} bytes/saga);"
                f" {tables}")


@bench_app.command("disk")
def disk(
    minutes: float = typer.Option(30.0, min=0.1, max=24 * 60, help="How long the load runs."),
    rate: float = typer.Option(200.0, min=1, max=5000, help="Sagas started per second."),
    every: float = typer.Option(30.0, min=1, max=3600, help="Seconds between samples."),
    out: str = typer.Option("docs/bench", help="Where disk-run.json and disk-run.png go."),
    saga: SagaOption = None,
) -> None:
    """Steady open-loop load on the running stack, sampling each database's tables (heap and
    index bytes, live and dead tuples, autovacuum runs), the outbox's and inbox's rows and
    Kafka's bytes per topic; then bytes per saga, whether the outbox and inbox stayed bounded
    and dead tuples flat, and the dashboard queries' plans. The outbox and inbox keep rows
    OUTBOX_RETENTION_S (1 h) and INBOX_RETENTION_S (7 days); for a short run start the stack
    with shorter windows, e.g. `OUTBOX_RETENTION_S=300 INBOX_RETENTION_S=300 make up
    ARGS=--detach`, and run this with the same (the housekeeper deletes once a minute)."""
    from sagaline.bench import disk_run

    chosen = choose_stack_saga(saga)
    stack = Stack()
    with readable_errors(stack):
        disk_run.run(stack, chosen, disk_run.DiskRun(minutes * 60, rate, every, Path(out)), say)

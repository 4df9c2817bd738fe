"""`bench side-by-side`: one state of the running stack measured (`--label empty|loaded`),
the two compared (`--report`), or both in one go around a history load (`--compare N`);
docs/performance.md, "With a long history"."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sagaline.bench import side_by_side, side_report
from sagaline.bench.side_config import SideConfig
from sagaline.cli.bench_cmd import bench_app, write_history
from sagaline.cli.common import SagaOption, choose_stack_saga, readable_errors, say
from sagaline.core.saga import Saga
from sagaline.devstack import Stack


class Label(StrEnum):
    empty = "empty"
    loaded = "loaded"


@bench_app.command("side-by-side")
def side_by_side_cmd(
    label: Annotated[Label | None, typer.Option(
        "--label", help="Measure the stack now, as this state: writes "
                        "<out>/history-<label>.json.")] = None,
    report: bool = typer.Option(False, "--report", help="Compare history-empty.json and "
                                "history-loaded.json; rewrite latest.json's `history`."),
    compare: int = typer.Option(0, "--compare", min=0, help="Measure empty, load this many "
                                "sagas (as `bench history --force`), measure loaded, report."),
    sagas: int | None = typer.Option(None, "--sagas", min=0, help="The report's count of "
                                     "loaded sagas (default: what the loaded run found)."),
    quick: bool = typer.Option(False, "--quick", help="Seconds per part (tests)."),
    out: Annotated[Path, typer.Option(help="Where the JSON files are.")] = SideConfig.out_dir,
    saga: SagaOption = None,
) -> None:
    """The bench of an empty and a loaded history, side by side (run --label empty, load
    with `bench history N`, run --label loaded, then --report)."""
    if sum((label is not None, report, compare > 0)) != 1:
        raise typer.BadParameter("give one of --label, --report or --compare N")
    config = SideConfig(out_dir=out)
    config = config.quick_mode() if quick else config
    if report:
        _report(out, sagas)
        return
    chosen = choose_stack_saga(saga)
    if label is not None:
        _measure(chosen, config, label.value)
        return
    _measure(chosen, config, "empty")
    # The empty run's sagas are in the databases now: the loader is told to write anyway.
    write_history(chosen, compare, days=30.0, tag="", seed=0, force=True)
    _measure(chosen, config, "loaded")
    _report(out, sagas)


def _measure(chosen: Saga, config: SideConfig, label: str) -> None:
    stack = Stack()
    with readable_errors(stack):
        say(f"side by side: the {label} state")
        result = side_by_side.run(stack.settings, chosen, config, label, say)
    say(f"{label}: {result['figures']}")
    say(f"results: {side_by_side.path_of(config.out_dir, label)}")


def _report(out: Path, sagas: int | None) -> None:
    try:
        typer.echo(side_report.report(out, sagas))
    except FileNotFoundError as err:
        say(f"error: no run to compare: {err.filename} (run --label empty and loaded first)")
        raise typer.Exit(2) from None

"""`check --incremental` (one pass from the checkpoint) and `check --follow` (a pass every
`--interval` seconds): the incremental audit (sagaline.audit.follow) on the command line.

Each pass prints one line (or one JSON object) and, when something is wrong, its findings;
then the checkpoint is saved. The exit status is the last pass's, as `check`'s.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import orjson
import typer

from sagaline.audit import auditor, checkpoint
from sagaline.audit.evaluate import AuditOptions
from sagaline.audit.findings import Report
from sagaline.core.saga import Saga
from sagaline.settings import SystemSettings, stack_settings


def checkpoint_path(given: str | None, saga: Saga) -> Path:
    return Path(given) if given else checkpoint.default_path(stack_settings().stack_dir,
                                                             saga.name)


def run_passes(saga: Saga, options: AuditOptions, path: Path, full_every_s: float,
               interval_s: float, passes: int, as_json: bool) -> int:
    """`passes` passes (0: until interrupted), `interval_s` apart; the last one's status."""
    settings = SystemSettings()
    done, ok = 0, True
    try:
        while True:
            last = checkpoint.load(path)
            started = time.monotonic()
            report, reached, full = auditor.audit_pass(saga, settings, options, last,
                                                       full_every_s)
            checkpoint.save(path, reached)
            show(report, reached, full, last, time.monotonic() - started, as_json)
            ok, done = report.ok, done + 1
            if passes and done >= passes:
                break
            time.sleep(interval_s)  # the pace of the passes, not a wait for anything
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
    return 0 if ok else 1


def show(report: Report, reached: checkpoint.Checkpoint, full: bool,
         last: checkpoint.Checkpoint | None, seconds: float, as_json: bool) -> None:
    scope = "full" if full else (f"changed since {stamp(last.as_of) if last else '-'};"
                                 " books and orphans on full passes")
    if as_json:
        typer.echo(orjson.dumps({"pass": reached.passes, "as_of": reached.as_of.isoformat(),
                                 "full": full, "seconds": round(seconds, 3),
                                 **report.as_json()}).decode())
        return
    typer.echo(f"pass {reached.passes} at {stamp(reached.as_of)} ({scope}, {seconds:.2f} s): "
               + report.text())


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")

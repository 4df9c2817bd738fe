"""`sagaline log`: the operator log of every service of the saga, newest first; for one saga
with `--id`; as a table, JSON or CSV (to export)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import orjson
import psycopg
import typer

from sagaline.cli.common import SagaOption, choose_stack_saga, say
from sagaline.core.operator_log import Entry, SqlOperatorLog, newest_first
from sagaline.core.postgres import db
from sagaline.core.saga import Saga
from sagaline.ops.oplog_export import as_csv
from sagaline.settings import SystemSettings


class Format(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


def entries_of(saga: Saga, settings: SystemSettings, saga_id: str | None,
               limit: int) -> list[Entry]:
    """Every service's entries (for one saga, or all), newest first."""
    logs = []
    for name in saga.names:
        try:
            with db.connect(settings.dsn(name), "sagaline-log") as conn:
                logs.append(SqlOperatorLog(conn, name).entries(saga_id, limit))
        except psycopg.Error as err:
            say(f"error: cannot read the operator log of {name}: {err}")
            raise typer.Exit(1) from None
    return newest_first(logs, limit)


def log(
    saga_id: Annotated[str | None, typer.Option("--id", help="Only this saga's entries.")
                       ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    output: Annotated[Format, typer.Option("--format")] = Format.text,
    saga: SagaOption = None,
) -> None:
    """What operators did (who, what, why, when, the result, the sagas touched), newest
    first, from every service's operator log."""
    chosen = choose_stack_saga(saga)
    rows = [e.as_row() for e in entries_of(chosen, SystemSettings(), saga_id, limit)]
    if output is Format.json:
        typer.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
    elif output is Format.csv:
        typer.echo(as_csv(rows), nl=False)
    else:
        for r in rows:
            typer.echo(f"{r['at']}  {r['service']:<10} {r['operator']:<12} {r['action']:<12}"
                       f" {r['result']}  reason: {r['reason'] or '-'}")
        say(f"{len(rows)} entries")

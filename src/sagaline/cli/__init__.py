"""`python -m sagaline ...`: thin commands over the stack launcher, the services' tools,
the auditor, the benchmark and the dead letters, each group in its own module."""

from __future__ import annotations

import typer

from sagaline.cli import bench_side, dashboard, dlq_act, oplog, ops, render, serve, stack
from sagaline.cli.bench_cmd import bench_app
from sagaline.cli.check import check as audit_check
from sagaline.cli.dlq import dlq_app
from sagaline.cli.saga_cmd import saga_app

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
for group in (stack.app, ops.app, dashboard.app, serve.app, render.app):
    for command in group.registered_commands:
        app.registered_commands.append(command)
app.command("check")(audit_check)  # the consistency auditor (sagaline.audit)
app.command("audit", help="The same as `check`.")(audit_check)
app.add_typer(dlq_app, name="dlq")  # list and groups; dlq_act adds replay and discard
app.command("log")(oplog.log)  # the operator log
app.add_typer(saga_app, name="saga")
app.add_typer(bench_app, name="bench")  # and `bench history`; bench_side adds side-by-side
__all__ = ["app", "bench_side", "dlq_act"]

"""`sagaline saga show|cancel ID`: one saga as an operator sees it, and cancelling it. The
same code path as the dashboard (`ops.saga_actions`); each action lands in the owner's
operator log (`sagaline log --id ID`)."""

from __future__ import annotations

from typing import Annotated

import httpx
import orjson
import typer

from sagaline.cli.common import SagaOption, choose_stack_saga, say
from sagaline.cli.oplog import entries_of
from sagaline.ops import saga_actions
from sagaline.ops.operator import operator_name
from sagaline.settings import stack_settings

saga_app = typer.Typer(no_args_is_help=True, help="One saga: show it, cancel it.")
SagaId = Annotated[str, typer.Argument(help="The saga's id (the owner's key).")]


@saga_app.command("show")
def show(saga_id: SagaId, as_json: Annotated[bool, typer.Option("--json")] = False,
         saga: SagaOption = None) -> None:
    """Its record, the step it waits on, the steps still ahead, and what operators did."""
    chosen, settings = choose_stack_saga(saga), stack_settings()
    try:
        found = saga_actions.state(chosen, settings, saga_id)
    except LookupError as err:
        say(f"error: {err}")
        raise typer.Exit(2) from None
    except httpx.HTTPError as err:
        say(f"error: cannot reach {chosen.owner}: {err}")
        raise typer.Exit(1) from None
    log = [e.as_row() for e in entries_of(chosen, settings, saga_id, 100)]
    if as_json:
        typer.echo(orjson.dumps({**found.as_row(), "operatorLog": log},
                                option=orjson.OPT_INDENT_2).decode())
        return
    r = found.record
    typer.echo(f"{chosen.key_name} {saga_id}: {r.get('status')}"
               f"{' (' + str(r['reason']) + ')' if r.get('reason') else ''}")
    typer.echo(f"  waiting on: {found.waiting_on or '-'}; still ahead: "
               f"{', '.join(found.remaining) or '-'}")
    for e in log:
        typer.echo(f"  {e['at']} {e['operator']} {e['action']}: {e['result']} "
                   f"(reason: {e['reason']})")


@saga_app.command("cancel")
def cancel(saga_id: SagaId,
           reason: Annotated[str, typer.Option("--reason", help="Why (required; logged).")
                             ] = "",
           operator: Annotated[str | None, typer.Option("--operator")] = None,
           saga: SagaOption = None) -> None:
    """Cancel a saga that is not final: its compensations run by the normal path, with the
    reason OPERATOR_CANCELLED; your reason is kept in the operator log."""
    if not reason.strip():
        say("error: a cancel needs --reason")
        raise typer.Exit(2)
    chosen = choose_stack_saga(saga)
    try:
        record = saga_actions.cancel(chosen, stack_settings(), saga_id,
                                     operator_name(operator), reason)
    except saga_actions.Refused as err:
        say(f"refused: {err}")
        raise typer.Exit(1) from None
    except httpx.HTTPError as err:
        say(f"error: cannot reach {chosen.owner}: {err}")
        raise typer.Exit(1) from None
    say(f"{saga_id}: {record.get('status')} ({record.get('reason')})")

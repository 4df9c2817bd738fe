"""`sagaline saga show|cancel|retry ID`: one saga as an operator sees it, and acting on it. The
same code path as the dashboard (`ops.saga_actions`); each action lands in the owner's
operator log (`sagaline log --id ID`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import httpx
import orjson
import typer

from sagaline.cli.common import SagaOption, choose_stack_saga, say
from sagaline.cli.oplog import entries_of
from sagaline.ops import saga_actions
from sagaline.ops.operator import operator_name
from sagaline.settings import stack_settings

saga_app = typer.Typer(no_args_is_help=True,
                       help="One saga: show it, cancel it, retry the step it waits on.")
SagaId = Annotated[str, typer.Argument(help="The saga's id (the owner's key).")]
Reason = Annotated[str, typer.Option("--reason", help="Why (required; logged).")]
Operator = Annotated[str | None, typer.Option(
    "--operator", help="Who acts (default: $SAGALINE_OPERATOR, else the login name).")]


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
def cancel(saga_id: SagaId, reason: Reason = "", operator: Operator = None,
           saga: SagaOption = None) -> None:
    """Cancel a saga that is not final: its compensations run by the normal path, with the
    reason OPERATOR_CANCELLED; your reason is kept in the operator log."""
    record = _act(saga_actions.cancel, saga, saga_id, reason, operator)
    say(f"{saga_id}: {record.get('status')} ({record.get('reason')})")


@saga_app.command("retry")
def retry(saga_id: SagaId, reason: Reason = "", operator: Operator = None,
          saga: SagaOption = None) -> None:
    """Send again the event the step the saga waits on needs (from its producer's outbox,
    same event id: where it was handled, the inbox skips it)."""
    sent = _act(saga_actions.retry, saga, saga_id, reason, operator)
    say(f"{saga_id}: {sent.get('topic')} sent again (event {sent.get('eventId')})")


def _act(action: Callable[..., dict[str, Any]], saga_ref: str | None, saga_id: str,
         reason: str, operator: str | None) -> dict[str, Any]:
    if not reason.strip():
        say("error: --reason is required (it is kept in the operator log)")
        raise typer.Exit(2)
    chosen = choose_stack_saga(saga_ref)
    try:
        return action(chosen, stack_settings(), saga_id, operator_name(operator), reason)
    except saga_actions.Refused as err:
        say(f"refused: {err}")
        raise typer.Exit(1) from None
    except (httpx.HTTPError, LookupError) as err:
        say(f"error: {err}")
        raise typer.Exit(1) from None

"""`sagaline dlq replay|discard SERVICE`: act on dead letters chosen by ref, by group or all.
`--dry-run` shows what would happen and to which sagas, and changes nothing. Each action is
written to the service's operator log, with its result (also when refused or cut short)."""

from __future__ import annotations

from typing import Annotated

import typer

from sagaline.cli.common import SagaOption, say
from sagaline.cli.dlq import ServiceName, dlq_app, service_letters
from sagaline.core.kafka.publisher import KafkaPublisher, producer_config
from sagaline.ops import dlq as dead_letters
from sagaline.ops import dlq_actions as act
from sagaline.ops.dlq_letters import Letters, NothingChosen
from sagaline.ops.operator import operator_name

Refs = Annotated[list[str] | None, typer.Option("--ref", help="partition:offset")]
GroupIds = Annotated[list[str] | None, typer.Option("--group", help="A group's id.")]
Every = Annotated[bool, typer.Option("--all", help="Every letter not discarded.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would happen; do nothing.")]
Operator = Annotated[str | None, typer.Option(
    "--operator", help="Who acts (default: $SAGALINE_OPERATOR, else the login name).")]


def _chosen(found: Letters, refs: list[str] | None, group_ids: list[str] | None,
            every: bool) -> list[dead_letters.DeadLetter]:
    try:
        return found.chosen(refs, group_ids, every)
    except NothingChosen as err:
        say(f"error: {err}")
        raise typer.Exit(2) from None


@dlq_app.command("replay")
def dlq_replay(
    service: ServiceName, refs: Refs = None, group_ids: GroupIds = None, every: Every = False,
    dry_run: DryRun = False, operator: Operator = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the log).")] = "",
    per_second: Annotated[int, typer.Option("--rate", min=1, help="Letters a second.")] = 100,
    force: Annotated[bool, typer.Option("--force", help="Even past inbox retention.")] = False,
    saga: SagaOption = None,
) -> None:
    """Send dead letters back to their source topic (same key, value, event id): the inbox
    makes a replay of a letter already handled a no-op."""
    with service_letters(saga, service) as found:
        chosen = _chosen(found, refs, group_ids, every)
        if dry_run:
            typer.echo(act.plan(act.REPLAY, chosen))
            return
        s = found.settings
        actor = act.Actor(operator_name(operator), reason, found.log)
        publisher = KafkaPublisher(producer_config(s.kafka_bootstrap_servers,
                                                   s.kafka_client_config,
                                                   s.kafka_compression_type))
        try:
            count = act.replay(chosen, publisher, actor, inbox_retention_s=s.inbox_retention_s,
                               force=force, pace=act.Pace(per_second))
        except (dead_letters.TooOld, ConnectionError, KeyboardInterrupt) as err:
            say(f"error: {err or 'interrupted'} (the operator log says what was replayed)")
            raise typer.Exit(1) from None
        finally:
            publisher.close()
    say(f"replayed {count} dead letters to their source topics")


@dlq_app.command("discard")
def dlq_discard(
    service: ServiceName, refs: Refs = None, group_ids: GroupIds = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (required; kept in the log).")
                      ] = "",
    dry_run: DryRun = False, operator: Operator = None, saga: SagaOption = None,
) -> None:
    """Mark dead letters as dealt with, for a reason: listings leave them out. The letters
    stay on their topic (`dlq list --discarded` shows them)."""
    if not reason.strip():
        say("error: a discard needs --reason")
        raise typer.Exit(2)
    with service_letters(saga, service) as found:
        chosen = _chosen(found, refs, group_ids, every=False)
        if dry_run:
            typer.echo(act.plan(act.DISCARD, chosen))
            return
        count = act.discard(chosen, act.Actor(operator_name(operator), reason, found.log))
    say(f"discarded {count} dead letters")

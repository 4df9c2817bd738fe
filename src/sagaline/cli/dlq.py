"""`sagaline dlq list|groups SERVICE`: the dead letters of a declared service's consumer (its
dead-letter topic and consumer group, as the saga declares them), one by one or grouped by
cause. Letters an operator discarded are left out unless `--discarded`. The actions on them
(replay, discard) are in `cli/dlq_act.py`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import orjson
import psycopg
import typer
from confluent_kafka import KafkaException

from sagaline.cli.common import SagaOption, choose_stack_saga, say
from sagaline.core.postgres import db
from sagaline.ops.dlq_letters import Letters, read_letters
from sagaline.settings import SystemSettings

dlq_app = typer.Typer(no_args_is_help=True,
                      help="Dead letters: list and group them, replay or discard them.")
ServiceName = Annotated[str, typer.Argument(help="A service of the saga.")]
AsJson = Annotated[bool, typer.Option("--json", help="As JSON.")]
WithDiscarded = Annotated[bool, typer.Option("--discarded", help="Discarded ones too.")]
STATUS = {True: "handled", False: "not handled", None: "unreadable"}


@contextmanager
def service_letters(saga_ref: str | None, name: str) -> Iterator[Letters]:
    saga = choose_stack_saga(saga_ref)
    if name not in saga.names:
        say(f"error: unknown service {name!r}; one of {', '.join(saga.names)}")
        raise typer.Exit(2)
    settings, service = SystemSettings(), saga.service(name)
    try:
        letters = read_letters(settings, service)
    except (KafkaException, TimeoutError) as err:
        say(f"error: cannot read {service.dead_letter_topic}: {err}")
        raise typer.Exit(1) from None
    try:
        with db.connect(settings.dsn(name), "sagaline-dlq") as conn:
            yield Letters(settings, service, conn, letters)
    except (psycopg.OperationalError, LookupError) as err:
        say(f"error: cannot reach the database of {name}: {err}")
        raise typer.Exit(1) from None


@dlq_app.command("list")
def dlq_list(service: ServiceName, as_json: AsJson = False,
             with_discarded: WithDiscarded = False, saga: SagaOption = None) -> None:
    """Each dead letter of a service's consumer: where from, why, its value, and whether its
    event was handled since (replayed and handled: its event id is in the inbox)."""
    with service_letters(saga, service) as found:
        letters = found.kept(with_discarded)
        handled = found.handled(letters)
        topic = found.service.dead_letter_topic
    if as_json:
        rows = [{**vars(d), "ref": d.ref, "value": d.value.decode("utf-8", "replace"),
                 "event_id": d.event_id(), "handled": handled[d.ref]} for d in letters]
        typer.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    for d in letters:
        h = d.headers
        typer.echo(f"{d.ref:<8} {STATUS[handled[d.ref]]:<11} from {d.source_topic}"
                   f"[{h.get('dlq-source-partition')}]@{h.get('dlq-source-offset')} "
                   f"key={d.key} {h.get('dlq-error-type')}: {h.get('dlq-error', '')[:120]}"
                   f"\n         value: {d.value[:200]!r}")
    say(f"{len(letters)} dead letters on {topic}, "
        f"{sum(1 for v in handled.values() if v)} handled since")


@dlq_app.command("groups")
def dlq_groups(service: ServiceName, as_json: AsJson = False,
               with_discarded: WithDiscarded = False, saga: SagaOption = None) -> None:
    """The dead letters grouped by cause (consumer, source topic, error class and message),
    with counts, first and last seen, the sagas touched, and how many were handled since."""
    with service_letters(saga, service) as found:
        rows = found.group_rows(with_discarded)
    if as_json:
        typer.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    for row in rows:
        sagas = row["sagas"]
        assert isinstance(sagas, list)
        typer.echo(f"{row['group']}  {row['count']:>5} letters, {row['handled']} handled since"
                   f"  {row['consumer']} <- {row['sourceTopic']}  {row['errorType']}: "
                   f"{row['error']}\n            sagas: {', '.join(sagas[:10])}"
                   f"{' …' if len(sagas) > 10 else ''}")
    say(f"{len(rows)} groups on {found.service.dead_letter_topic}")

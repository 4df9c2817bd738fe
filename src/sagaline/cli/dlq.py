"""`sagaline dlq list SERVICE` and `sagaline dlq replay SERVICE --ref P:O | --all`: the
dead letters of a declared service's consumer (its dead-letter topic and consumer group, as
the saga declares them)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import psycopg
import typer
from confluent_kafka import KafkaException

from sagaline.cli.common import SagaOption, choose_stack_saga
from sagaline.core.kafka.publisher import KafkaPublisher, producer_config
from sagaline.core.postgres import db
from sagaline.core.saga import Service
from sagaline.ops import dlq as dead_letters
from sagaline.settings import SystemSettings

dlq_app = typer.Typer(no_args_is_help=True, help="Dead letters: list them, replay them.")
ServiceName = Annotated[str, typer.Argument(help="A service of the saga.")]


def _say(text: str) -> None:
    typer.echo(text, err=True)


def _service(saga_ref: str | None, name: str) -> Service[Any]:
    saga = choose_stack_saga(saga_ref)
    if name not in saga.names:
        _say(f"error: unknown service {name!r}; one of {', '.join(saga.names)}")
        raise typer.Exit(2)
    return saga.service(name)


def _letters(settings: SystemSettings, service: Service[Any]) -> list[dead_letters.DeadLetter]:
    topic = service.dead_letter_topic
    try:
        return dead_letters.read_all(settings.kafka_bootstrap_servers, topic,
                                     settings.kafka_client_config)
    except (KafkaException, TimeoutError) as err:
        _say(f"error: cannot read {topic}: {err}")
        raise typer.Exit(1) from None


def _handled(settings: SystemSettings, service: Service[Any],
             letters: list[dead_letters.DeadLetter]) -> dict[str, bool | None]:
    try:
        with db.connect(settings.dsn(service.name), "sagaline-dlq") as conn:
            return dead_letters.handled(conn, service.consumer_group, letters)
    except (psycopg.Error, LookupError) as err:
        _say(f"error: cannot read the inbox of {service.name}: {err}")
        raise typer.Exit(1) from None


STATUS = {True: "handled", False: "not handled", None: "unreadable"}


@dlq_app.command("list")
def dlq_list(service: ServiceName,
             as_json: Annotated[bool, typer.Option("--json")] = False,
             saga: SagaOption = None) -> None:
    """Each dead letter of a service's consumer: where from, why, its value, and whether its
    event was handled since (replayed and handled: its event id is in the inbox)."""
    settings, declared = SystemSettings(), _service(saga, service)
    letters = _letters(settings, declared)
    handled = _handled(settings, declared, letters)
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
    _say(f"{len(letters)} dead letters on {declared.dead_letter_topic}, "
         f"{sum(1 for v in handled.values() if v)} handled since")


@dlq_app.command("replay")
def dlq_replay(
    service: ServiceName,
    refs: Annotated[list[str] | None, typer.Option("--ref", help="partition:offset")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Every dead letter.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Even past inbox retention.")] = False,
    saga: SagaOption = None,
) -> None:
    """Send dead letters back to their source topic (same key, value, event id)."""
    settings, declared = SystemSettings(), _service(saga, service)
    letters = _letters(settings, declared)
    wanted = set(refs or [])
    chosen = letters if replay_all else [d for d in letters if d.ref in wanted]
    missing = wanted - {d.ref for d in letters}
    if missing or not chosen:
        unknown = f"; unknown: {', '.join(sorted(missing))}" if missing else ""
        _say(f"error: nothing to replay{unknown}")
        raise typer.Exit(2)
    publisher = KafkaPublisher(producer_config(settings.kafka_bootstrap_servers,
                                               settings.kafka_client_config,
                                               settings.kafka_compression_type))
    try:
        count = dead_letters.replay(chosen, publisher, settings.inbox_retention_s, force)
    except (dead_letters.TooOld, ConnectionError) as err:
        _say(f"error: {err}")
        raise typer.Exit(1) from None
    finally:
        publisher.close()
    _say(f"replayed {count} dead letters to their source topics")

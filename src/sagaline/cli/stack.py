"""`up`, `down`, `status`, `fetch`, `topics`: the local stack (see sagaline.devstack)."""

from __future__ import annotations

import time

import typer

from sagaline.cli.common import (
    SagaOption,
    choose_saga,
    choose_stack_saga,
    readable_errors,
    say,
    timed,
)
from sagaline.devstack import Stack, StackError
from sagaline.devstack.foreground import supervise
from sagaline.devstack.kafka_jars import default_home, ensure_jars
from sagaline.devstack.shape import Shape
from sagaline.devstack.status_table import table
from sagaline.devstack.topics import broker_ready, ensure_saga_topics, saga_topic_drift
from sagaline.settings import TopicSettings, stack_settings

app = typer.Typer()


@app.command()
def up(
    detach: bool = typer.Option(False, "--detach", "-d", help="Return, leaving it running."),
    fresh: bool = typer.Option(False, "--fresh", help="Stop and wipe all data first."),
    no_services: bool = typer.Option(False, "--no-services", help="Start infrastructure only."),
    brokers: int = typer.Option(1, "--brokers", help="Kafka nodes: 1, or 3 (a KRaft quorum, "
                                "topics at replication factor 3, min.insync.replicas 2)."),
    replicas: int = typer.Option(1, "--replicas", help="Processes of each service; replica r "
                                 "listens on its port + 10 * (r - 1)."),
    dynamic: bool = typer.Option(False, "--dynamic-membership", help="Replicas join their "
                                 "groups without a REPLICA_ID (default: static membership)."),
    secure: bool = typer.Option(False, "--secure", help="Kafka with SASL/SCRAM-SHA-512, one "
                                "user per service and ACLs from the saga's declaration (users "
                                "and passwords: <stack dir>/kafka-users.json)."),
    faulty: bool = typer.Option(False, "--faulty", help="Each service's links to its database "
                                "and to Kafka through a Toxiproxy proxy of its own (<service>.db, "
                                "<service>.kafka; API at TOXIPROXY_PORT, default 8474) for "
                                "network faults; one replica. With --brokers 3: the links between "
                                "the nodes instead (kafka-1.to.kafka-2, ....controller)."),
    saga: SagaOption = None,
) -> None:
    """Start Kafka, a Postgres server per service and the services of the saga; foreground
    unless --detach."""
    choose_saga(saga)
    with readable_errors():
        stack = Stack(shape=Shape(brokers, replicas, static_membership=not dynamic,
                                  secure=secure, faulty=faulty))
    with readable_errors(stack, cleanup=True):
        if fresh:
            stack.wipe()
        stack.record_shape()
        timed("infrastructure", stack.start_infra)
        if not no_services:
            timed("services", stack.start_services)
            timed("dashboard", stack.start_dashboard)
    typer.echo(table(stack.status()))
    if not detach:
        say("running in the foreground; Ctrl-C stops everything")
        names = stack.infra_names + ([] if no_services else
                                     [*stack.service_names, stack.dashboard.name])
        raise typer.Exit(supervise(stack, names, say))


@app.command()
def down(wipe: bool = typer.Option(False, "--wipe", help="Also delete the stack dir."),
         saga: SagaOption = None) -> None:
    """Stop everything the stack started (services, Kafka, Postgres); data stays."""
    choose_stack_saga(saga)
    stack = Stack()
    with readable_errors(stack):
        stack.wipe() if wipe else stack.stop_all()
    say("stack stopped" + (" and wiped" if wipe else ""))


@app.command()
def status(saga: SagaOption = None) -> None:
    """Each component: running or not, pid, address, data dir, log file."""
    choose_stack_saga(saga)
    stack = Stack()
    with readable_errors(stack):
        typer.echo(table(stack.status()))


@app.command()
def fetch() -> None:
    """Fetch Kafka's jars with Maven into the user's cache (once per packaged pom)."""
    home = stack_settings().sagaline_kafka_home or default_home()
    with readable_errors():
        say(f"Kafka jars in {ensure_jars(home)}")


@app.command()
def topics(saga: SagaOption = None) -> None:
    """Create the saga's missing topics at KAFKA_BOOTSTRAP_SERVERS (idempotent; used by
    compose) and report existing ones that differ from the settings (they are left as they
    are, but for the dead letters' retention, which is set)."""
    choose_stack_saga(saga)
    s = TopicSettings()  # needs only Kafka: compose's topic-init gets nothing else
    with readable_errors():
        wait_for_broker(s.kafka_bootstrap_servers, s.kafka_client_config, timeout_s=120)
        differ = saga_topic_drift(s)
        made = ensure_saga_topics(s)
        say(f"topics created: {', '.join(made) or 'none (all exist)'}")
        for line in differ:
            say(f"warning: existing topic differs: {line}")


def wait_for_broker(bootstrap: str, extra: dict[str, str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not broker_ready(bootstrap, extra):
        if time.monotonic() > deadline:
            raise StackError(f"no Kafka broker answers at {bootstrap} after {timeout_s:.0f} s")
        time.sleep(1)

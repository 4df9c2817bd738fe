"""The declared saga agrees with the topic table of docs/reference.md, with the services'
code (what they emit, where their handlers live) and with the seed's consumer groups; and
its API refuses what cannot be wired."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.saga import Edge, Saga, SagaStart, Service
from sagaline.core.status_machine import StatusMachine
from sagaline.seed_saga import topics
from sagaline.seed_saga.payment.fakes import FakePaymentUnitOfWork
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import ServiceSettings

pytestmark = pytest.mark.unit
REFERENCE = Path(__file__).parents[2] / "docs" / "reference.md"
NAMES = [s.name for s in SAGA.services]


def reference_topic_rows() -> list[tuple[list[str], str, str]]:
    """(topics, produced by, consumed by) of each row of the reference's topic table."""
    text = REFERENCE.read_text()
    section = text[text.index("| topic |", text.index("### Topics")):]
    rows = []
    for line in section[:section.index("\n\n")].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0].startswith("`"):
            rows.append((re.findall(r"`([^`]+)`", cells[0]), cells[1], cells[2]))
    return rows


def services_named(cell: str) -> set[str]:
    return {name for name in NAMES if re.search(rf"\b{name}\b(?!')", cell)}


def test_the_reference_names_every_declared_topic_once() -> None:
    named = [t for row_topics, _, _ in reference_topic_rows() for t in row_topics]
    assert sorted(named) == sorted(SAGA.topics)


@pytest.mark.parametrize(("row_topics", "produced", "consumed"), reference_topic_rows(),
                         ids=[",".join(row[0]) for row in reference_topic_rows()])
def test_the_reference_topic_table_agrees_with_the_topology(
        row_topics: list[str], produced: str, consumed: str) -> None:
    for topic in row_topics:
        producer = SAGA.producer_of(topic)
        if services_named(produced):
            assert {producer} == services_named(produced), topic
        else:  # "each service's consumer": a dead-letter topic, its own service's
            assert producer is not None and produced.startswith("each service")
            assert SAGA.service(producer).dead_letter_topic == topic
        assert set(SAGA.consumers_of(topic)) == services_named(consumed), topic


def emitted_topics(service: str) -> set[str]:
    """The `topics.X` named inside `uow.emit(...)` calls anywhere in a service's package."""
    found = set()
    for source in files(f"sagaline.seed_saga.{service}").iterdir():
        if not source.name.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(source.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "emit"):
                found |= {getattr(topics, n.attr) for n in ast.walk(node)
                          if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                          and n.value.id == "topics"}
    return found


@pytest.mark.parametrize("service", SAGA.services, ids=lambda s: s.name)
def test_a_service_produces_what_its_code_emits(service: Service[Any]) -> None:
    assert emitted_topics(service.name) == set(service.produces)


@pytest.mark.parametrize("service", SAGA.services, ids=lambda s: s.name)
def test_a_service_consumes_with_its_own_handlers(service: Service[Any]) -> None:
    for handler in service.consumes.values():
        assert handler.__module__ == f"sagaline.seed_saga.{service.name}.handlers"


def test_the_services_are_the_launchers_and_their_groups_the_seeds() -> None:
    assert [s.consumer_group for s in SAGA.services] == [
        "order-service-group", "payment-service-group", "inventory-service-group"]
    assert SAGA.subscriptions()["order-service-group"] == tuple(sorted(
        [topics.PAYMENT_CHARGED, topics.PAYMENT_FAILED, topics.PAYMENT_REFUNDED,
         topics.INVENTORY_RESERVED, topics.INVENTORY_FAILED]))


def test_edges_lead_from_producer_to_each_consumer() -> None:
    assert Edge(topics.INVENTORY_FAILED, "inventory", "order") in SAGA.edges
    assert Edge(topics.INVENTORY_FAILED, "inventory", "payment") in SAGA.edges
    assert SAGA.consumers_of(topics.INVENTORY_RELEASED) == ()
    assert not [e for e in SAGA.edges if e.topic == topics.INVENTORY_RELEASED]
    assert SAGA.producer_of("no.such.topic") is None
    with pytest.raises(KeyError, match="no service 'nowhere'"):
        SAGA.service("nowhere")


STATUSES = StatusMachine(initial="OPEN", final=("DONE",), waits_on={"OPEN": "b"},
                         table={("OPEN", "t.done"): "DONE"})


def step(name: str, consumes: dict[str, Any] | None = None, produces: tuple[str, ...] = (),
         port: int | None = None) -> Service[Any]:
    """A service declared for a test: the given topics, no parts of its own."""
    return Service(name, "tests", f"{name}-group", consumes or {}, produces,
                   settings=ServiceSettings, parts=lambda *_: None, http_port=port,
                   start=SagaStart("/s", "id", "id", lambda user: {}))


def charge(event: Envelope, uow: FakePaymentUnitOfWork, credit: Decimal) -> None:
    uow.accounts.debit(event.payload["userId"], Decimal(1), credit)


def test_handlers_get_their_dependencies_by_name() -> None:
    service = step("s", {"t": charge})
    uow = FakePaymentUnitOfWork()
    service.bind(credit=Decimal(5))["t"](Envelope.first("t", "k", {"userId": "u"}), uow)
    assert uow.accounts.rows["u"].balance == Decimal(4)
    with pytest.raises(TypeError, match=r"charge needs \['credit'\]"):
        service.bind()
    with pytest.raises(TypeError, match=r"no handler takes \['rulez'\]"):
        service.bind(credit=Decimal(5), rulez=1)


def test_a_topic_with_two_producers_is_refused() -> None:
    with pytest.raises(ValueError, match=r"producer of a topic: \['t'\]"):
        Saga("two", (step("a", produces=("t",)), step("b", produces=("t",))), STATUSES, "a")


def test_a_consumed_topic_nobody_produces_is_refused() -> None:
    with pytest.raises(ValueError, match=r"produced by no service: \['t.lost'\]"):
        Saga("lost", (step("a", {"t.lost": charge, "t.done": charge}),
                      step("b", produces=("t.done",))), STATUSES, "a")


def test_the_owner_consumes_every_topic_that_moves_its_status() -> None:
    with pytest.raises(ValueError, match=r"a does not consume \['t.done'\]"):
        Saga("deaf", (step("a"), step("b", produces=("t.done",))), STATUSES, "a")


def test_ports_follow_the_declared_order_unless_set() -> None:
    saga = Saga("ports", (step("a", {"t.done": charge}), step("b", produces=("t.done",)),
                          step("c", port=4100)), STATUSES, "a", first_port=5001)
    assert [saga.http_port(n) for n in saga.names] == [5001, 5002, 4100]
    assert [saga.db_port(n) for n in saga.names] == [5433, 5434, 5435]
    assert SAGA.names == ("order", "payment", "inventory")  # the seed's own, with its ports
    assert [SAGA.http_port(n) for n in SAGA.names] == [4001, 4002, 4003]

"""The declared topology agrees with the README's topic table, with topics.SAGA.topics, with
the services' code (what they emit, where their handlers live) and with their consumer
groups; and its API refuses what cannot be wired."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.saga import Edge, Saga, Service
from sagaline.seed_saga import SERVICES, topics
from sagaline.seed_saga.payment.fakes import FakePaymentUnitOfWork
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit
README = Path(__file__).parents[2] / "README.md"
NAMES = [s.name for s in SAGA.services]


def readme_topic_rows() -> list[tuple[list[str], str, str]]:
    """(topics, produced by, consumed by) of each row of the README's topic table."""
    text = README.read_text()
    section = text[text.index("| topic |", text.index("**Topics**")):]
    rows = []
    for line in section[:section.index("\n\n")].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0].startswith("`"):
            rows.append((re.findall(r"`([^`]+)`", cells[0]), cells[1], cells[2]))
    return rows


def services_named(cell: str) -> set[str]:
    return {name for name in NAMES if re.search(rf"\b{name}\b(?!')", cell)}


def test_the_readme_names_every_declared_topic_once() -> None:
    named = [t for row_topics, _, _ in readme_topic_rows() for t in row_topics]
    assert sorted(named) == sorted(SAGA.topics)


@pytest.mark.parametrize(("row_topics", "produced", "consumed"), readme_topic_rows(),
                         ids=[",".join(row[0]) for row in readme_topic_rows()])
def test_the_readme_topic_table_agrees_with_the_topology(
        row_topics: list[str], produced: str, consumed: str) -> None:
    for topic in row_topics:
        producer = SAGA.producer_of(topic)
        if services_named(produced):
            assert {producer} == services_named(produced), topic
        else:  # "each service's consumer": a dead-letter topic, its own service's
            assert producer is not None and produced.startswith("each service")
            assert SAGA.service(producer).dead_letter_topic == topic
        assert set(SAGA.consumers_of(topic)) == services_named(consumed), topic


def test_every_topic_the_stack_creates_is_declared() -> None:
    assert set(SAGA.topics) == set(topics.SAGA.topics)


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
    assert [s.name for s in SERVICES] == [s.name for s in SAGA.services]
    assert [s.consumer_group for s in SERVICES] == [
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
    with pytest.raises(KeyError, match="no service 'shipping'"):
        SAGA.service("shipping")


def charge(event: Envelope, uow: FakePaymentUnitOfWork, credit: Decimal) -> None:
    uow.accounts.debit(event.payload["userId"], Decimal(1), credit)


def test_handlers_get_their_dependencies_by_name() -> None:
    service = Service[FakePaymentUnitOfWork]("s", "g", {"t": charge}, ())
    uow = FakePaymentUnitOfWork()
    service.handlers(credit=Decimal(5))["t"](Envelope.first("t", "k", {"userId": "u"}), uow)
    assert uow.accounts.rows["u"].balance == Decimal(4)
    with pytest.raises(TypeError, match=r"charge needs \['credit'\]"):
        service.handlers()
    with pytest.raises(TypeError, match=r"no handler takes \['rulez'\]"):
        service.handlers(credit=Decimal(5), rulez=1)


def test_a_topic_with_two_producers_is_refused() -> None:
    with pytest.raises(ValueError, match=r"producer of a topic: \['t'\]"):
        Saga((Service("a", "ga", {}, ("t",)), Service("b", "gb", {}, ("t",))))

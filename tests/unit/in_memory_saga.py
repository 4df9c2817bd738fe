"""The three services, built by their bootstraps with fakes, and the core's relay, carrying a
saga from POST /orders to its end in memory: each service's committed events become rows of
its own in-memory outbox table, the real OutboxRelay publishes them to an in-memory broker,
and each service's consumer loop reads what its topics received."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.outbox import store as outbox
from sagaline.core.outbox.relay import OutboxRelay
from sagaline.core.outbox.store import OutboxRow
from sagaline.core.postgres import db
from sagaline.core.runtime.service import Service
from sagaline.seed_saga.inventory.settings import InventorySettings
from sagaline.seed_saga.order.handlers import cancel_overdue
from sagaline.seed_saga.order.settings import OrderSettings
from sagaline.seed_saga.payment.settings import PaymentSettings
from sagaline.seed_saga.saga import SAGA
from tests.composition import inventory as inventory_bootstrap
from tests.composition import order as order_bootstrap
from tests.composition import payment as payment_bootstrap
from tests.doubles import InMemoryPublisher, InMemorySource, InMemoryUnitOfWork, NoTransaction
from tests.fakes import FakeInventoryUnitOfWork, FakeOrderUnitOfWork, FakePaymentUnitOfWork
from tests.service_settings import settings_for


@dataclass
class OutboxTable:
    """One service's outbox: its unit of work's committed events, as rows."""

    uow: InMemoryUnitOfWork
    rows: list[OutboxRow] = field(default_factory=list)
    published: set[int] = field(default_factory=set)
    taken: int = 0  # how many committed events became rows

    def take_committed(self) -> None:
        for event in self.uow.committed[self.taken:]:
            self.rows.append(OutboxRow(len(self.rows) + 1, event.topic, event.key,
                                       event.value(), event.headers(), event.occurred_at))
        self.taken = len(self.uow.committed)


class Connection:
    """What the relay connects to: only the outbox table (and a lock statement to ignore)."""

    closed = False

    def __init__(self, table: OutboxTable) -> None:
        self.table = table

    def execute(self, *_args: Any) -> None: ...

    def close(self) -> None: ...


def _pending(conn: Connection, limit: int) -> list[OutboxRow]:
    conn.table.take_committed()
    return [r for r in conn.table.rows if r.id not in conn.table.published][:limit]


def _mark_published(conn: Connection, ids: Any) -> None:
    conn.table.published |= set(ids)


def in_memory_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route the relay's outbox statements to the Connection's table."""
    monkeypatch.setattr(outbox, "pending", _pending)
    monkeypatch.setattr(outbox, "mark_published", _mark_published)
    monkeypatch.setattr(outbox, "mark_failed", lambda conn, failures: None)
    monkeypatch.setattr(db, "PipelinedTransaction", NoTransaction)


class Saga:
    """Order, payment and inventory wired through one in-memory broker."""

    def __init__(self, stock: dict[str, int]) -> None:
        self.broker = InMemoryPublisher()
        self.order_uow = FakeOrderUnitOfWork()
        self.payment_uow = FakePaymentUnitOfWork()
        self.inventory_uow = FakeInventoryUnitOfWork(stock)
        self.sources: dict[str, InMemorySource] = {}
        self.services = {
            "order": self._build(order_bootstrap, OrderSettings, self.order_uow, "order"),
            "payment": self._build(payment_bootstrap, PaymentSettings, self.payment_uow,
                                   "payment"),
            "inventory": self._build(inventory_bootstrap, InventorySettings,
                                     self.inventory_uow, "inventory")}
        self.relays = [self._relay_for(OutboxTable(u))
                       for u in (self.order_uow, self.payment_uow, self.inventory_uow)]
        self.delivered = 0
        self.http = TestClient(self.services["order"].app)

    def _build(self, bootstrap: Any, model: Any, uow: InMemoryUnitOfWork, name: str) -> Service:
        self.sources[name] = InMemorySource()
        service: Service = bootstrap(settings_for(model), unit_of_work=lambda: uow,
                                     publisher=InMemoryPublisher(), source=self.sources[name])
        return service

    def _relay_for(self, table: OutboxTable) -> OutboxRelay:
        connection = Connection(table)
        return OutboxRelay(lambda: connection, self.broker)  # type: ignore[arg-type,return-value]

    def place(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> str:
        response = self.http.post("/orders", json=body, headers=headers or {})
        assert response.status_code == 201, response.text
        return str(response.json()["orderId"])

    def run(self, stopped: frozenset[str] = frozenset()) -> None:
        """Relay and consume until nothing moves; `stopped` services consume nothing."""
        while self._relay() + self._consume(stopped):
            pass

    def pass_deadline(self, deadline_s: float = 60.0) -> int:
        self.order_uow.orders.now += timedelta(seconds=deadline_s + 1)
        with self.order_uow as uow:
            return cancel_overdue(uow, deadline_s, SAGA.statuses)

    def _relay(self) -> int:
        moved = sum(relay.publish_batch() for relay in self.relays)
        for message in self.broker.sent[self.delivered:]:
            for name, service in self.services.items():
                assert service.consumer is not None
                if message.topic in service.consumer.processor.topics:
                    self.sources[name].add(IncomingMessage(
                        message.topic, 0, len(self.sources[name].messages),
                        (message.key or "").encode(), message.value,
                        {k: v.encode() for k, v in message.headers.items()}))
        self.delivered = len(self.broker.sent)
        return moved

    def _consume(self, stopped: frozenset[str]) -> int:
        settled = 0
        for name, service in self.services.items():
            if name not in stopped and service.consumer is not None:
                settled += service.consumer.step(0)
        return settled

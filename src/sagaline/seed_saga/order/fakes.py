"""Order's fake: orders in memory, for `Service.fake` (the harness, sagaline.testing) and
order's unit tests. Like the SQL repository it follows the saga's status table (which
statuses are final), and it passes the same contract suite (tests/integration/services).
Times come from the unit of work's clock, which a test moves (`uow.clock.advance`)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from psycopg import errors

from sagaline.core.status_machine import StatusMachine
from sagaline.seed_saga.order.repository import Order
from sagaline.testing.unit_of_work import InMemoryUnitOfWork

if TYPE_CHECKING:
    from sagaline.testing.harness import SagaHarness

Now = Callable[[], datetime]


class FakeOrders:
    def __init__(self, statuses: StatusMachine, now: Now) -> None:
        self.rows: dict[uuid.UUID, Order] = {}
        self._statuses = statuses
        self._now = now

    def add(self, order: Order) -> bool:
        if order.idempotency_key and self.by_idempotency_key(order.idempotency_key):
            return False
        if order.order_id in self.rows:
            raise errors.UniqueViolation(f"order {order.order_id} exists")
        now = self._now()
        self.rows[order.order_id] = dataclasses.replace(order, created_at=now, updated_at=now)
        return True

    def get(self, order_id: uuid.UUID) -> Order | None:
        return self.rows.get(order_id)

    def locked(self, order_id: uuid.UUID) -> Order | None:
        return self.rows.get(order_id)  # one transaction at a time: nothing to lock against

    def by_idempotency_key(self, key: str) -> Order | None:
        return next((o for o in self.rows.values() if o.idempotency_key == key), None)

    def newest(self, status: str | None, limit: int) -> list[Order]:
        found = [o for o in reversed(self.rows.values()) if status in (None, o.status)]
        return sorted(found, key=_created, reverse=True)[:limit]

    def overdue(self, older_than_s: float, limit: int) -> list[Order]:
        """Orders are overdue when `created_at` is older than `older_than_s` before now."""
        cutoff = self._now() - timedelta(seconds=older_than_s)
        found = [o for o in self.rows.values() if self._waiting(o) and _created(o) < cutoff]
        return sorted(found, key=_created)[:limit]

    def move(self, order_id: uuid.UUID, to: str, reason: str | None,
             allowed_from: Collection[str]) -> None:
        order = self.rows.get(order_id)
        if order is not None and order.status in allowed_from:
            now = self._now()
            self.rows[order_id] = dataclasses.replace(
                order, status=to, reason=order.reason or reason, updated_at=now,
                finished_at=now if to in self._statuses.final else None)

    def in_flight(self) -> tuple[int, float]:
        waiting = [_created(o) for o in self.rows.values() if self._waiting(o)]
        return len(waiting), (self._now() - min(waiting)).total_seconds() if waiting else 0.0

    def _waiting(self, order: Order) -> bool:
        return order.status not in self._statuses.final


def _created(order: Order) -> datetime:
    assert order.created_at is not None  # set by `add`
    return order.created_at


class FakeOrderUnitOfWork(InMemoryUnitOfWork):
    """The orders of a saga whose order moves as `statuses` says."""

    def __init__(self, statuses: StatusMachine) -> None:
        super().__init__()
        self.orders = self.keep(FakeOrders(statuses, lambda: self.clock.now()))


def outcomes(uow: FakeOrderUnitOfWork) -> dict[uuid.UUID, str]:
    """Each order's status: the saga's outcome once final."""
    return {order_id: order.status for order_id, order in uow.orders.rows.items()}


def placer(body: Mapping[str, Any]) -> Callable[[SagaHarness], str]:
    """For `saga_tests(start=...)`: place an order with `body` through the harness; its id."""
    def place(h: SagaHarness) -> str:
        placed = h.post("/orders", dict(body))
        assert placed.status_code == 201, placed.text
        return str(placed.json()["orderId"])

    return place


def status(h: SagaHarness, order_id: str) -> str | None:
    """For `saga_tests(status=...)`: the order's status in the order step's fake."""
    found = h.fake("order").orders.get(uuid.UUID(order_id))
    return None if found is None else str(found.status)

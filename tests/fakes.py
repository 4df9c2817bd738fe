"""In-memory repositories and units of work for the three services (the tests' fakes).

Each repository follows its interface in the service's repository.py; one contract suite per
interface (tests/integration/services) runs the same tests on the fake and on the SQL
repository, so the two cannot drift apart. Where the database refuses (a second row for the
same key, stock below zero) the fake raises the same psycopg error. Repository state lives
outside transactions: a fake does not roll back what a unit of work wrote. Reading ahead
(`preload`) only records the keys: a fake's reads cost nothing and are always current.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from psycopg import errors

from sagaline.seed_saga.inventory.repository import Reservation, StockLevel
from sagaline.seed_saga.inventory.status import ReservationStatus
from sagaline.seed_saga.order.repository import Order
from sagaline.seed_saga.order.status import FINAL
from sagaline.seed_saga.payment.repository import Account, Payment
from sagaline.seed_saga.payment.status import PaymentStatus
from tests.doubles import InMemoryUnitOfWork


class FakeAccounts:
    def __init__(self) -> None:
        self.preloaded: list[str] = []
        self.rows: dict[str, Account] = {}

    def preload(self, user_ids: Collection[str]) -> None:
        self.preloaded.extend(user_ids)

    def debit(self, user_id: str, amount: Decimal, opening_credit: Decimal) -> bool:
        account = self.rows.setdefault(user_id, Account(user_id, opening_credit,
                                                        opening_credit))
        if account.balance < amount:
            return False
        self.rows[user_id] = dataclasses.replace(account, balance=account.balance - amount)
        return True

    def credit(self, user_id: str, amount: Decimal) -> None:
        if (account := self.rows.get(user_id)) is not None:
            self.rows[user_id] = dataclasses.replace(account, balance=account.balance + amount)

    def get(self, user_id: str) -> Account | None:
        return self.rows.get(user_id)


def _now() -> datetime:
    return datetime.now(UTC)


class FakePayments:
    def __init__(self) -> None:
        self.preloaded: list[uuid.UUID] = []
        self.rows: dict[uuid.UUID, Payment] = {}

    def preload(self, order_ids: Collection[uuid.UUID]) -> None:
        self.preloaded.extend(order_ids)

    def add(self, payment: Payment) -> None:
        if payment.order_id in self.rows:
            raise errors.UniqueViolation(f"a payment for {payment.order_id} exists")
        self.rows[payment.order_id] = dataclasses.replace(payment, created_at=_now())

    def get(self, order_id: uuid.UUID, for_update: bool = False) -> Payment | None:
        return self.rows.get(order_id)

    def mark_refunded(self, order_id: uuid.UUID) -> None:
        if (payment := self.rows.get(order_id)) is not None:
            self.rows[order_id] = dataclasses.replace(payment, status=PaymentStatus.REFUNDED,
                                                      refunded_at=_now())


class FakePaymentUnitOfWork(InMemoryUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.accounts = FakeAccounts()
        self.payments = FakePayments()


class FakeStock:
    def __init__(self, levels: Mapping[str, int] | None = None) -> None:
        self.preloaded: list[str] = []
        self.rows = {sku: StockLevel(sku, n, n) for sku, n in (levels or {}).items()}

    def preload(self, skus: Collection[str]) -> None:
        self.preloaded.extend(skus)

    def lock(self, skus: list[str]) -> dict[str, int]:
        return {s: self.rows[s].on_hand for s in sorted(set(skus)) if s in self.rows}

    def take(self, quantities: Mapping[str, int]) -> None:
        self.give_back({sku: -qty for sku, qty in quantities.items()})

    def give_back(self, quantities: Mapping[str, int]) -> None:
        known = {sku: qty for sku, qty in quantities.items() if sku in self.rows}
        if any(self.rows[sku].on_hand + qty < 0 for sku, qty in known.items()):
            raise errors.CheckViolation("stock on hand must not go below zero")
        for sku, qty in known.items():
            level = self.rows[sku]
            self.rows[sku] = dataclasses.replace(level, on_hand=level.on_hand + qty)

    def get(self, sku: str) -> StockLevel | None:
        return self.rows.get(sku)

    def seed(self, levels: Mapping[str, int]) -> None:
        for sku, n in levels.items():
            self.rows.setdefault(sku, StockLevel(sku, n, n))

    def restock(self, sku: str, quantity: int) -> StockLevel:
        old = self.rows.get(sku, StockLevel(sku, 0, 0))
        self.rows[sku] = StockLevel(sku, old.initial + quantity, old.on_hand + quantity)
        return self.rows[sku]


class FakeReservations:
    def __init__(self) -> None:
        self.preloaded: list[uuid.UUID] = []
        self.rows: dict[uuid.UUID, Reservation] = {}

    def preload(self, order_ids: Collection[uuid.UUID]) -> None:
        self.preloaded.extend(order_ids)

    def add(self, reservation: Reservation) -> None:
        if reservation.order_id in self.rows:
            raise errors.UniqueViolation(f"a reservation for {reservation.order_id} exists")
        self.rows[reservation.order_id] = dataclasses.replace(reservation, created_at=_now())

    def get(self, order_id: uuid.UUID, for_update: bool = False) -> Reservation | None:
        return self.rows.get(order_id)

    def mark_released(self, order_id: uuid.UUID) -> None:
        if (held := self.rows.get(order_id)) is not None:
            self.rows[order_id] = dataclasses.replace(held, status=ReservationStatus.RELEASED,
                                                      released_at=_now())


class FakeInventoryUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, stock: Mapping[str, int] | None = None) -> None:
        super().__init__()
        self.stock = FakeStock(stock)
        self.reservations = FakeReservations()


class FakeOrders:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Order] = {}
        self.now = _now()  # the fake's clock: tests move it forward

    def add(self, order: Order) -> bool:
        if order.idempotency_key and self.by_idempotency_key(order.idempotency_key):
            return False
        if order.order_id in self.rows:
            raise errors.UniqueViolation(f"order {order.order_id} exists")
        self.rows[order.order_id] = dataclasses.replace(order, created_at=self.now,
                                                        updated_at=self.now)
        return True

    def get(self, order_id: uuid.UUID) -> Order | None:
        return self.rows.get(order_id)

    def by_idempotency_key(self, key: str) -> Order | None:
        return next((o for o in self.rows.values() if o.idempotency_key == key), None)

    def newest(self, status: str | None, limit: int) -> list[Order]:
        found = [o for o in reversed(self.rows.values()) if status in (None, o.status)]
        return sorted(found, key=_created, reverse=True)[:limit]

    def overdue(self, older_than_s: float, limit: int) -> list[Order]:
        """Orders are overdue when `created_at` is older than `older_than_s` before `now`."""
        cutoff = self.now - timedelta(seconds=older_than_s)
        found = [o for o in self.rows.values() if o.status not in FINAL and _created(o) < cutoff]
        return sorted(found, key=_created)[:limit]

    def move(self, order_id: uuid.UUID, to: str, reason: str | None,
             allowed_from: Collection[str]) -> None:
        order = self.rows.get(order_id)
        if order is not None and order.status in allowed_from:
            self.rows[order_id] = dataclasses.replace(
                order, status=to, reason=order.reason or reason, updated_at=self.now,
                finished_at=self.now if to in FINAL else None)


    def in_flight(self) -> tuple[int, float]:
        waiting = [_created(o) for o in self.rows.values() if o.status not in FINAL]
        return len(waiting), (self.now - min(waiting)).total_seconds() if waiting else 0.0


def _created(order: Order) -> datetime:
    assert order.created_at is not None  # set by `add`
    return order.created_at


class FakeOrderUnitOfWork(InMemoryUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.orders = FakeOrders()

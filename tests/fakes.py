"""In-memory repositories and units of work for the three services (the tests' fakes).

They follow the SQL repositories' contracts (see tests/contract) closely enough for handler
and API tests; state is shared through the `Store` so one fake per test acts as a database.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sagaline.services.inventory.repository import Reservation, StockLevel
from sagaline.services.order.repository import FINAL, Order
from sagaline.services.payment.repository import Account, Payment
from tests.doubles import InMemoryUnitOfWork


class FakeAccounts:
    def __init__(self) -> None:
        self.rows: dict[str, Account] = {}

    def debit(self, user_id: str, amount: Decimal, opening_credit: Decimal) -> bool:
        account = self.rows.setdefault(user_id, Account(user_id, opening_credit,
                                                        opening_credit))
        if account.balance < amount:
            return False
        self.rows[user_id] = dataclasses.replace(account, balance=account.balance - amount)
        return True

    def credit(self, user_id: str, amount: Decimal) -> None:
        account = self.rows[user_id]
        self.rows[user_id] = dataclasses.replace(account, balance=account.balance + amount)

    def get(self, user_id: str) -> Account | None:
        return self.rows.get(user_id)


class FakePayments:
    def __init__(self) -> None:
        self.rows: dict[str, Payment] = {}

    def add(self, payment: Payment) -> None:
        assert payment.order_id not in self.rows, "primary key"
        self.rows[payment.order_id] = payment

    def get(self, order_id: str, for_update: bool = False) -> Payment | None:
        return self.rows.get(order_id)

    def mark_refunded(self, order_id: str) -> None:
        self.rows[order_id] = dataclasses.replace(self.rows[order_id], status="REFUNDED")


class FakePaymentUnitOfWork(InMemoryUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.accounts = FakeAccounts()
        self.payments = FakePayments()


class FakeStock:
    def __init__(self, levels: Mapping[str, int] | None = None) -> None:
        self.rows = {sku: StockLevel(sku, n, n) for sku, n in (levels or {}).items()}

    def lock(self, skus: list[str]) -> dict[str, int]:
        return {s: self.rows[s].on_hand for s in sorted(skus) if s in self.rows}

    def take(self, quantities: Mapping[str, int]) -> None:
        for sku, qty in quantities.items():
            level = self.rows[sku]
            assert level.on_hand >= qty, "CHECK (on_hand >= 0)"
            self.rows[sku] = dataclasses.replace(level, on_hand=level.on_hand - qty)

    def give_back(self, quantities: Mapping[str, int]) -> None:
        for sku, qty in quantities.items():
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
        self.rows: dict[str, Reservation] = {}

    def add(self, reservation: Reservation) -> None:
        assert reservation.order_id not in self.rows, "primary key"
        self.rows[reservation.order_id] = reservation

    def get(self, order_id: str, for_update: bool = False) -> Reservation | None:
        return self.rows.get(order_id)

    def mark_released(self, order_id: str) -> None:
        self.rows[order_id] = dataclasses.replace(self.rows[order_id], status="RELEASED")


class FakeInventoryUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, stock: Mapping[str, int] | None = None) -> None:
        super().__init__()
        self.stock = FakeStock(stock)
        self.reservations = FakeReservations()


class FakeOrders:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Order] = {}
        self.now = datetime.now(UTC)  # the fake's clock: tests move it forward

    def add(self, order: Order) -> bool:
        if order.idempotency_key and self.by_idempotency_key(order.idempotency_key):
            return False
        self.rows[order.order_id] = dataclasses.replace(order, created_at=self.now)
        return True

    def get(self, order_id: uuid.UUID) -> Order | None:
        return self.rows.get(order_id)

    def by_idempotency_key(self, key: str) -> Order | None:
        return next((o for o in self.rows.values() if o.idempotency_key == key), None)

    def newest(self, status: str | None, limit: int) -> list[Order]:
        found = [o for o in reversed(self.rows.values()) if status in (None, o.status)]
        return found[:limit]

    def overdue(self, older_than_s: float, limit: int) -> list[Order]:
        """Orders are overdue when `created_at` is older than `older_than_s` before `now`."""
        cutoff = self.now - timedelta(seconds=older_than_s)
        found = [o for o in self.rows.values()
                 if o.status not in FINAL and (o.created_at or self.now) < cutoff]
        return found[:limit]

    def move(self, order_id: uuid.UUID, to: str, reason: str | None,
             allowed_from: Collection[str]) -> None:
        order = self.rows.get(order_id)
        if order is not None and order.status in allowed_from:
            self.rows[order_id] = dataclasses.replace(order, status=to,
                                                      reason=order.reason or reason)


class FakeOrderUnitOfWork(InMemoryUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.orders = FakeOrders()

"""Inventory's fake: stock and reservations in memory, for `Service.fake` (the harness,
sagaline.testing) and inventory's unit tests. It passes the same contract suite as the SQL
repository (tests/integration/services); where the database refuses (a second reservation for
an order, stock below zero) it raises the same psycopg error."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime

from psycopg import errors

from sagaline.seed_saga.inventory.repository import Reservation, StockLevel
from sagaline.seed_saga.inventory.status import NOT_HELD, ReservationStatus
from sagaline.testing.unit_of_work import InMemoryUnitOfWork

Now = Callable[[], datetime]


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
    def __init__(self, now: Now = lambda: datetime.now(UTC),
                 stock: FakeStock | None = None) -> None:
        self.preloaded: list[uuid.UUID] = []
        self.rows: dict[uuid.UUID, Reservation] = {}
        self._now = now
        self._stock = stock or FakeStock()  # the levels it records

    def _on_hand(self, items: list[dict[str, object]]) -> dict[str, int] | None:
        levels = {sku: level.on_hand for i in items
                  if (level := self._stock.get(sku := str(i["sku"]))) is not None}
        return levels or None

    def preload(self, order_ids: Collection[uuid.UUID]) -> None:
        self.preloaded.extend(order_ids)

    def add(self, reservation: Reservation) -> None:
        if reservation.order_id in self.rows:
            raise errors.UniqueViolation(f"a reservation for {reservation.order_id} exists")
        reserved = reservation.status == ReservationStatus.RESERVED
        self.rows[reservation.order_id] = dataclasses.replace(
            reservation, created_at=self._now(),
            on_hand_after_reserve=self._on_hand(reservation.items) if reserved else None)

    def get(self, order_id: uuid.UUID, for_update: bool = False) -> Reservation | None:
        return self.rows.get(order_id)

    def mark_released(self, order_id: uuid.UUID) -> None:
        if (held := self.rows.get(order_id)) is not None:
            self.rows[order_id] = dataclasses.replace(
                held, status=ReservationStatus.RELEASED, released_at=self._now(),
                on_hand_after_release=self._on_hand(held.items))


class FakeInventoryUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, stock: Mapping[str, int] | None = None) -> None:
        super().__init__()
        self.stock = self.keep(FakeStock(stock))
        self.reservations = self.keep(FakeReservations(lambda: self.clock.now(), self.stock))


def problems(uow: FakeInventoryUnitOfWork, confirmed: Collection[uuid.UUID],
             cancelled: Collection[uuid.UUID]) -> list[str]:
    """What breaks inventory's part of the saga's invariants, read from the fake: a confirmed
    order's stock is reserved, a cancelled one holds none, and every SKU's stock is its
    initial count less what reservations hold."""
    found = []
    for order_id in confirmed:
        held = uow.reservations.get(order_id)
        if held is None or held.status != ReservationStatus.RESERVED:
            found.append(f"confirmed order {order_id}: reservation {held}")
    for order_id in cancelled:
        held = uow.reservations.get(order_id)
        if held is not None and held.status not in NOT_HELD:
            found.append(f"cancelled order {order_id}: reservation {held.status}")
    reserved: Counter[str] = Counter()
    for held in uow.reservations.rows.values():
        if held.status == ReservationStatus.RESERVED:
            for item in held.items:
                reserved[str(item["sku"])] += int(item["quantity"])
    for level in uow.stock.rows.values():
        if level.on_hand + reserved[level.sku] != level.initial:
            found.append(f"SKU {level.sku}: on hand {level.on_hand} + reserved "
                         f"{reserved[level.sku]} != initial {level.initial}")
    return found

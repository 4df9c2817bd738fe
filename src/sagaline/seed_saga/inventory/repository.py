"""Inventory's storage: stock per SKU, and one reservation per order, behind the `Stock` and
`Reservations` interfaces (on PostgreSQL: sql_repository.py)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sagaline.core.postgres.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Reservation:
    order_id: uuid.UUID
    status: str
    items: list[dict[str, Any]]
    reason: str | None = None
    created_at: datetime | None = None
    released_at: datetime | None = None
    # Each of its SKUs' units on hand right after reserving, and right after releasing (the
    # storage writes them: `Reservations.add`, `mark_released`).
    on_hand_after_reserve: dict[str, int] | None = None
    on_hand_after_release: dict[str, int] | None = None


@dataclass(frozen=True)
class StockLevel:
    sku: str
    initial: int
    on_hand: int


class Stock(Protocol):
    """Units on hand per SKU, never negative (one contract suite for SQL and the tests' fake:
    see tests/integration/services). Unknown SKUs in `take`/`give_back` are left out."""

    def lock(self, skus: list[str]) -> dict[str, int]:
        """On-hand of each known SKU, locked and listed in SKU order (one lock order for all;
        batches can still deadlock: the database aborts one, which is retried)."""
        ...

    def take(self, quantities: Mapping[str, int]) -> None:
        """Subtract quantities (from SKUs locked by `lock`); more than on hand is an error
        (at once or at commit), which rolls back the whole unit of work."""

    def give_back(self, quantities: Mapping[str, int]) -> None: ...

    def get(self, sku: str) -> StockLevel | None: ...

    def preload(self, skus: Collection[str]) -> None:
        """`lock` these SKUs now, in one statement, and keep their on-hand counts for the
        `lock` calls that follow (so that those cost no round trip)."""

    def seed(self, levels: Mapping[str, int]) -> None:
        """Create SKUs that do not exist yet with the given stock; existing ones are kept."""

    def restock(self, sku: str, quantity: int) -> StockLevel:
        """Add `quantity` units to the initial and on-hand counts (creating the SKU if new)."""
        ...


class Reservations(Protocol):
    """One reservation per order: a second for the same order is an error (see Stock.take)."""

    def add(self, reservation: Reservation) -> None:
        """A RESERVED reservation keeps the on-hand of each of its items' SKUs as it is now
        (after `Stock.take`) as `on_hand_after_reserve`; its own is ignored."""

    def get(self, order_id: uuid.UUID, for_update: bool = False) -> Reservation | None:
        """The order's reservation. Without `for_update` it may come from `preload` (as of
        then, with this unit of work's own writes since); `for_update` reads and locks it."""
        ...

    def preload(self, order_ids: Collection[uuid.UUID]) -> None:
        """Read these orders' reservations ahead, for `get` (without `for_update`)."""

    def mark_released(self, order_id: uuid.UUID) -> None:
        """Status RELEASED, with the time of it and the on-hand of each of its items' SKUs as
        it is now (after `Stock.give_back`) as `on_hand_after_release`."""


class InventoryUnitOfWork(UnitOfWork, Protocol):
    """What inventory's handlers work with: a unit of work holding stock and reservations."""

    @property
    def stock(self) -> Stock: ...

    @property
    def reservations(self) -> Reservations: ...

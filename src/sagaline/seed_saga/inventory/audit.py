"""What the inventory step adds to the auditor: its reservation of each order and the stock
books. A confirmed order has a RESERVED reservation of its items (per SKU); a cancelled one,
once settled, holds no stock; per SKU, on hand = initial - held by RESERVED reservations,
never below 0.

The books are exact at any moment, not only at rest: inventory_db takes stock and records the
reservation in one transaction, and the auditor reads it in one snapshot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg

from sagaline.audit.findings import Finding, Value
from sagaline.audit.read_db import SINCE, by_key, stream, widened
from sagaline.audit.step import Breach, Names, StepAudit
from sagaline.seed_saga.inventory.status import NOT_HELD, ReservationStatus
from sagaline.seed_saga.order.audit import Items, OrderRow


@dataclass(frozen=True)
class ReservationRow:
    order_id: str
    status: str
    items: Items

    @property
    def saga_id(self) -> str:
        return self.order_id

    def describe(self) -> str:
        return f"{self.status} {skus(merged(self.items))}"

    def facts(self) -> dict[str, Value]:
        return {"status": self.status}


@dataclass(frozen=True)
class StockBook:
    """One SKU, and the units RESERVED reservations hold of it."""

    sku: str
    initial: int | None  # None: a RESERVED reservation holds a SKU that is not stocked
    on_hand: int | None
    held: int


RECORDS = f"SELECT order_id, status, items FROM reservations WHERE {SINCE}"
BOOKS = ("WITH held AS (SELECT i->>'sku' AS sku, sum((i->>'quantity')::bigint) AS qty"
         " FROM reservations r, jsonb_array_elements(r.items) i"
         " WHERE r.status = %s GROUP BY 1)"
         " SELECT sku, s.initial, s.on_hand, coalesce(h.qty, 0)::bigint"
         " FROM stock s FULL JOIN held h USING (sku)")


class InventoryAudit:
    """Inventory's `StepAudit`."""

    names = Names(record="reservation", records="reservations", books="skus",
                  books_label="SKUs")

    def records(self, conn: psycopg.Connection, since: datetime | None
                ) -> list[ReservationRow]:
        rows = conn.execute(RECORDS, {"since": widened(since)}).fetchall()
        return [ReservationRow(*row) for row in rows]

    def records_by_key(self, conn: psycopg.Connection, since: datetime | None
                       ) -> Iterator[ReservationRow]:
        query = f"{RECORDS} ORDER BY {by_key(conn, 'order_id')}"
        for row in stream(conn, query, {"since": widened(since)}):
            yield ReservationRow(*row)

    def records_of(self, conn: psycopg.Connection, saga_ids: Sequence[str]) -> list[ReservationRow]:
        query = RECORDS.replace(f"WHERE {SINCE}", "WHERE order_id = ANY(%(ids)s)")
        return [ReservationRow(*r) for r in conn.execute(query, {"ids": list(saga_ids)})]

    def books(self, conn: psycopg.Connection) -> Iterator[StockBook]:
        """Per SKU: a row each, however many reservations (summed by the database)."""
        for row in stream(conn, BOOKS, (ReservationStatus.RESERVED,)):
            yield StockBook(*row)

    def when_succeeded(self, order: OrderRow, res: ReservationRow | None) -> list[Breach]:
        """A RESERVED reservation of the order's items, per SKU."""
        if (res and res.status == ReservationStatus.RESERVED
                and merged(res.items) == merged(order.items)):
            return []
        return [Breach("not-reserved", f"reservation {_describe(res)}, order items"
                       f" {skus(merged(order.items))}",
                       {"reservation": res.status if res else None})]

    def when_cancelled(self, order: OrderRow, res: ReservationRow | None) -> list[Breach]:
        """Nothing held: a RESERVED reservation left means the release did not happen."""
        if res is None or res.status in NOT_HELD:
            return []
        return [Breach("but-reserved", f"compensation not done (release): reservation"
                       f" {_describe(res)}",
                       {"reservation": res.status, "compensation": "release"})]

    def book_problems(self, books: Iterable[StockBook]) -> list[Finding]:
        return stock_problems(books)


def stock_problems(stock: Iterable[StockBook]) -> list[Finding]:
    """on_hand == initial - Σ quantities held by RESERVED reservations, and on_hand >= 0."""
    found = []
    for s in stock:
        data: dict[str, Value] = {"sku": s.sku, "initial": s.initial, "on_hand": s.on_hand,
                                  "held": s.held}
        subject = f"sku {s.sku}"
        if s.initial is None or s.on_hand is None:
            found.append(Finding("held-unknown-sku", subject,
                                 f"reservations hold {s.held}, but it is not stocked", data))
            continue
        expected = s.initial - s.held
        if s.on_hand != expected:
            found.append(Finding(
                "stock-not-conserved", subject,
                f"on_hand {s.on_hand} != initial {s.initial} - held {s.held} = {expected}"
                f" (off by {s.on_hand - expected})", {**data, "expected": expected}))
        if s.on_hand < 0:
            found.append(Finding("negative-stock", subject, f"on_hand {s.on_hand}", data))
    return found


def merged(items: Items) -> dict[str, int]:
    """Quantities per SKU, lines of the same SKU added up."""
    total: Counter[str] = Counter()
    for item in items:
        total[str(item["sku"])] += int(item["quantity"])
    return dict(total)


def skus(quantities: dict[str, int]) -> str:
    return ",".join(f"{sku}x{n}" for sku, n in sorted(quantities.items())) or "(none)"


def _describe(res: ReservationRow | None) -> str:
    return "absent" if res is None else res.describe()


AUDIT: StepAudit[OrderRow, ReservationRow] = InventoryAudit()

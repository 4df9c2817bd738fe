"""The inventory step's part of a loaded history (`sagaline bench history`): a reservation
per order that was paid (or cancelled by the deadline), and stock whose on-hand units are
its initial units less what RESERVED reservations hold, as the auditor's books demand. The
scarce SKU that out-of-stock orders want is stocked at zero."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta

from sagaline.bench.history_step import Plan, Row, Table
from sagaline.seed_saga import topics
from sagaline.seed_saga.inventory.status import ReservationStatus
from sagaline.seed_saga.order.history import (
    CONFIRMED,
    OUT_OF_STOCK,
    PAYMENT_FAILED,
    STATUS_REASON,
    FinishedOrder,
    scarce_sku,
)

LEFT_ON_HAND = 1000  # units of each ordinary SKU still in stock at the end
RESERVED_AFTER = timedelta(milliseconds=10)
STATUS = {CONFIRMED: ReservationStatus.RESERVED, OUT_OF_STOCK: ReservationStatus.FAILED}


class InventoryHistory:
    tables = (Table("reservations", ("order_id", "status", "reason", "items", "created_at")),)
    books = (Table("stock", ("sku", "initial", "on_hand")),)

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.held: Counter[str] = Counter()  # sku -> units RESERVED reservations hold

    def rows(self, order: FinishedOrder) -> Iterable[tuple[str, Row]]:
        if order.outcome == PAYMENT_FAILED:
            return ()  # never paid: inventory never heard of it
        if order.outcome == CONFIRMED:
            for sku, quantity in order.items:
                self.held[sku] += quantity
        status = STATUS.get(order.outcome, ReservationStatus.VOIDED)  # the deadline voids it
        reason = STATUS_REASON[order.outcome][1]
        return (("reservations", (order.saga_id, status, reason, order.items_json(),
                                  order.created_at + RESERVED_AFTER)),)

    def consumed(self, order: FinishedOrder) -> Sequence[str]:
        if order.outcome == PAYMENT_FAILED:
            return ()
        if order.outcome in (CONFIRMED, OUT_OF_STOCK):
            return (topics.PAYMENT_CHARGED,)
        return (topics.ORDER_CANCELLED,)

    def book_rows(self) -> Iterable[tuple[str, Row]]:
        yield "stock", (scarce_sku(self.plan), 0, 0)
        for sku, held in self.held.items():
            yield "stock", (sku, held + LEFT_ON_HAND, LEFT_ON_HAND)


def history(plan: Plan) -> InventoryHistory:
    return InventoryHistory(plan)

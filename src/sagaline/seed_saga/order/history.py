"""The order step's part of a loaded history (`sagaline bench history`): the finished orders
themselves, with the demo's mix of outcomes, and their rows.

Of every 50 orders, as `make demo` makes them: 1 in 5 asks more than the user's credit
(payment fails); 1 in 4 of the others wants the scarce SKU, which is out (refunded); 2 miss
the deadline (charged, then refunded and voided); the rest are confirmed. Orders are spread
evenly over the plan's time span, in that order, with random ids, as a live system writes
them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson

from sagaline.bench.history_step import Plan, Row, Table
from sagaline.seed_saga import topics
from sagaline.seed_saga.order.handlers import DEADLINE_REASON
from sagaline.seed_saga.order.status import OrderStatus

CONFIRMED, PAYMENT_FAILED, OUT_OF_STOCK, TIMEOUT = ("confirmed", "payment_failed",
                                                      "out_of_stock", "timeout")
SKUS = 1000  # ordinary SKUs per load
STATUS_REASON = {CONFIRMED: (OrderStatus.CONFIRMED, None),
                 PAYMENT_FAILED: (OrderStatus.CANCELLED, "INSUFFICIENT_FUNDS"),
                 OUT_OF_STOCK: (OrderStatus.CANCELLED, "OUT_OF_STOCK"),
                 TIMEOUT: (OrderStatus.CANCELLED, DEADLINE_REASON)}
HEARD = {CONFIRMED: (topics.PAYMENT_CHARGED, topics.INVENTORY_RESERVED),
         PAYMENT_FAILED: (topics.PAYMENT_FAILED,),
         OUT_OF_STOCK: (topics.PAYMENT_CHARGED, topics.INVENTORY_FAILED,
                        topics.PAYMENT_REFUNDED),
         TIMEOUT: (topics.PAYMENT_CHARGED, topics.PAYMENT_REFUNDED)}


@dataclass(frozen=True)
class FinishedOrder:
    saga_id: str
    user_id: str
    total: int
    items: tuple[tuple[str, int], ...]
    outcome: str
    created_at: datetime
    finished_at: datetime

    def items_json(self) -> str:
        return orjson.dumps([{"sku": s, "quantity": q} for s, q in self.items]).decode()


def outcome_of(n: int) -> str:
    """The outcome of the `n`th order (the demo's mix, see the module's doc)."""
    n %= 50
    if n in (13, 38):
        return TIMEOUT
    if n % 5 == 4:
        return PAYMENT_FAILED
    return OUT_OF_STOCK if n % 4 == 3 else CONFIRMED


def users(plan: Plan) -> int:
    """How many users share the plan's orders: about 20 orders each, at most 200k users
    (each spends well under the starting credit)."""
    return max(1, min(plan.count // 20, 200_000))


def scarce_sku(plan: Plan) -> str:
    return f"h{plan.tag}-scarce"


class OrderHistory:
    tables = (Table("orders", ("order_id", "user_id", "total_amount", "status", "reason",
                               "items", "created_at", "updated_at", "finished_at")),)
    books: tuple[Table, ...] = ()

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def sagas(self) -> Iterator[FinishedOrder]:
        plan = self.plan
        rng = random.Random(f"{plan.tag}:{plan.seed}")  # another load: other ids
        step = (plan.end - plan.start) / max(1, plan.count)
        n_users, scarce = users(plan), scarce_sku(plan)
        for n in range(plan.count):
            outcome = outcome_of(n)
            created = plan.start + n * step
            items: tuple[tuple[str, int], ...] = ()
            total = rng.randint(5, 80)
            if outcome == PAYMENT_FAILED:
                total = plan.starting_credit + 1
            elif outcome == OUT_OF_STOCK:
                items = ((scarce, 2),)
            else:
                items = tuple((f"h{plan.tag}-sku{rng.randrange(SKUS)}", rng.randint(1, 3))
                              for _ in range(rng.randint(1, 3)))
            took = timedelta(seconds=60.2) if outcome == TIMEOUT else \
                timedelta(milliseconds=rng.randint(15, 400))
            yield FinishedOrder(str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                f"h{plan.tag}-u{n % n_users}", total, items, outcome,
                                created, created + took)

    def rows(self, order: FinishedOrder) -> Iterable[tuple[str, Row]]:
        status, reason = STATUS_REASON[order.outcome]
        yield "orders", (order.saga_id, order.user_id, order.total, status, reason,
                         order.items_json(), order.created_at, order.finished_at,
                         order.finished_at)

    def consumed(self, order: FinishedOrder) -> Sequence[str]:
        return HEARD[order.outcome]

    def book_rows(self) -> Iterable[tuple[str, Row]]:
        return ()


def history(plan: Plan) -> OrderHistory:
    return OrderHistory(plan)

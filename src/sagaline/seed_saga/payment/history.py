"""The payment step's part of a loaded history (`sagaline bench history`): a payment per
order that reached it, and accounts whose balances are their initial credit less what stays
charged (refunded payments excluded), as the auditor's books demand."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta

from sagaline.bench.history_step import Plan, Row, Table
from sagaline.seed_saga import topics
from sagaline.seed_saga.order.history import (
    CONFIRMED,
    OUT_OF_STOCK,
    PAYMENT_FAILED,
    STATUS_REASON,
    FinishedOrder,
)
from sagaline.seed_saga.payment.status import PaymentStatus

CHARGED_AFTER = timedelta(milliseconds=5)


class PaymentHistory:
    tables = (Table("payments", ("order_id", "user_id", "amount", "status", "reason",
                                 "created_at", "refunded_at")),)
    books = (Table("accounts", ("user_id", "balance", "initial_credit")),)

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.charged: Counter[str] = Counter()  # user -> what stays charged

    def rows(self, order: FinishedOrder) -> Iterable[tuple[str, Row]]:
        created = order.created_at + CHARGED_AFTER
        reason = STATUS_REASON[order.outcome][1]
        self.charged.setdefault(order.user_id, 0)  # a refused debit opens the account too
        if order.outcome == CONFIRMED:
            self.charged[order.user_id] += order.total
            row: Row = (PaymentStatus.CHARGED, None, None)
        elif order.outcome == PAYMENT_FAILED:
            row = (PaymentStatus.FAILED, reason, None)
        else:  # charged, then refunded: out of stock, or the deadline
            row = (PaymentStatus.REFUNDED, reason, order.finished_at)
        yield "payments", (order.saga_id, order.user_id, order.total, row[0], row[1],
                           created, row[2])

    def consumed(self, order: FinishedOrder) -> Sequence[str]:
        if order.outcome in (CONFIRMED, PAYMENT_FAILED):
            return (topics.ORDER_CREATED,)
        undo = topics.INVENTORY_FAILED if order.outcome == OUT_OF_STOCK else \
            topics.ORDER_CANCELLED  # the deadline's
        return (topics.ORDER_CREATED, undo)

    def book_rows(self) -> Iterable[tuple[str, Row]]:
        credit = self.plan.starting_credit
        for user, charged in self.charged.items():
            yield "accounts", (user, credit - charged, credit)


def history(plan: Plan) -> PaymentHistory:
    return PaymentHistory(plan)

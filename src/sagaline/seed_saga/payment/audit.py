"""What the payment step adds to the auditor: its payment of each order and the accounts'
books. A confirmed order has one CHARGED payment of its total; a cancelled one, once
settled, has no net charge; per account, balance = initial credit - charged, never below 0.

The books are exact at any moment, not only at rest: payment_db debits and records a charge
in one transaction, and the auditor reads it in one snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import psycopg

from sagaline.audit.findings import Finding, Value, plain
from sagaline.audit.read_db import SINCE, by_key, stream, widened
from sagaline.audit.step import Breach, Names, StepAudit
from sagaline.seed_saga.order.audit import OrderRow
from sagaline.seed_saga.payment.status import NO_NET_CHARGE, PaymentStatus


@dataclass(frozen=True)
class PaymentRow:
    order_id: str
    user_id: str
    amount: Decimal
    status: str

    @property
    def saga_id(self) -> str:
        return self.order_id

    def describe(self) -> str:
        return f"{self.status} {self.amount} for user {self.user_id}"

    def facts(self) -> dict[str, Value]:
        return {"user_id": self.user_id, "status": self.status, "amount": plain(self.amount)}


@dataclass(frozen=True)
class AccountBook:
    """One account, and the sum of its payments that are CHARGED (refunded ones excluded)."""

    user_id: str
    balance: Decimal | None  # None: CHARGED payments name a user without an account
    initial_credit: Decimal | None
    charged: Decimal


RECORDS = f"SELECT order_id, user_id, amount, status FROM payments WHERE {SINCE}"
BOOKS = ("WITH charged AS (SELECT user_id, sum(amount) AS total FROM payments"
         " WHERE status = %s GROUP BY user_id)"
         " SELECT user_id, a.balance, a.initial_credit, coalesce(c.total, 0)"
         " FROM accounts a FULL JOIN charged c USING (user_id)")


class PaymentAudit:
    """Payment's `StepAudit`."""

    names = Names(record="payment", records="payments", books="accounts")

    def records(self, conn: psycopg.Connection, since: datetime | None) -> list[PaymentRow]:
        rows = conn.execute(RECORDS, {"since": widened(since)}).fetchall()
        return [PaymentRow(*row) for row in rows]

    def records_by_key(self, conn: psycopg.Connection, since: datetime | None
                       ) -> Iterator[PaymentRow]:
        query = f"{RECORDS} ORDER BY {by_key(conn, 'order_id')}"
        for row in stream(conn, query, {"since": widened(since)}):
            yield PaymentRow(*row)

    def records_of(self, conn: psycopg.Connection, saga_ids: Sequence[str]) -> list[PaymentRow]:
        query = RECORDS.replace(f"WHERE {SINCE}", "WHERE order_id = ANY(%(ids)s)")
        return [PaymentRow(*r) for r in conn.execute(query, {"ids": list(saga_ids)})]

    def books(self, conn: psycopg.Connection) -> Iterator[AccountBook]:
        """Per account: a row each, however many payments (summed by the database)."""
        for row in stream(conn, BOOKS, (PaymentStatus.CHARGED,)):
            yield AccountBook(*row)

    def when_succeeded(self, order: OrderRow, pay: PaymentRow | None) -> list[Breach]:
        """One CHARGED payment of the order's total."""
        if pay and pay.status == PaymentStatus.CHARGED and pay.amount == order.total_amount:
            return []
        return [Breach("not-charged", f"payment {_describe(pay)}, order total"
                       f" {order.total_amount}",
                       {"payment": pay.status if pay else None,
                        "amount": plain(pay.amount) if pay else None})]

    def when_cancelled(self, order: OrderRow, pay: PaymentRow | None) -> list[Breach]:
        """No net charge: a CHARGED payment left means the refund did not happen."""
        if pay is None or pay.status in NO_NET_CHARGE:
            return []
        return [Breach("but-charged", f"compensation not done (refund): payment"
                       f" {_describe(pay)}",
                       {"payment": pay.status, "amount": plain(pay.amount),
                        "compensation": "refund"})]

    def book_problems(self, books: Iterable[AccountBook]) -> list[Finding]:
        return money_problems(books)


def money_problems(accounts: Iterable[AccountBook]) -> list[Finding]:
    """balance == initial_credit - Σ CHARGED amounts, and balance >= 0, per account."""
    found = []
    for a in accounts:
        data: dict[str, Value] = {"user_id": a.user_id, "balance": plain(a.balance),
                                  "initial_credit": plain(a.initial_credit),
                                  "charged": plain(a.charged)}
        subject = f"account {a.user_id}"
        if a.balance is None or a.initial_credit is None:
            found.append(Finding("charged-without-account", subject,
                                 f"payments charged {a.charged}, but no account", data))
            continue
        expected = a.initial_credit - a.charged
        if a.balance != expected:
            found.append(Finding(
                "money-not-conserved", subject,
                f"balance {a.balance} != initial {a.initial_credit} - charged {a.charged}"
                f" = {expected} (off by {a.balance - expected})",
                {**data, "expected": plain(expected)}))
        if a.balance < 0:
            found.append(Finding("negative-balance", subject, f"balance {a.balance}", data))
    return found


def _describe(pay: PaymentRow | None) -> str:
    return "absent" if pay is None else f"{pay.status} {pay.amount}"


AUDIT: StepAudit[OrderRow, PaymentRow] = PaymentAudit()

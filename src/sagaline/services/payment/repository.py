"""Payment's storage: accounts with balances, and one payment per order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import psycopg
from psycopg.rows import class_row

from sagaline.core.unit_of_work import PostgresUnitOfWork


@dataclass(frozen=True)
class Payment:
    order_id: str
    user_id: str
    amount: Decimal
    status: str
    reason: str | None = None
    created_at: datetime | None = None
    refunded_at: datetime | None = None


@dataclass(frozen=True)
class Account:
    user_id: str
    balance: Decimal
    initial_credit: Decimal


class SqlAccounts:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def debit(self, user_id: str, amount: Decimal, opening_credit: Decimal) -> bool:
        """Take `amount` if the balance covers it; False (and nothing taken) if not. An unknown
        user's account is opened with `opening_credit` first. One statement: the insert opens
        (and debits) a new account; on conflict the update debits an existing one."""
        row = self._conn.execute(
            "INSERT INTO accounts AS a (user_id, balance, initial_credit)"
            " VALUES (%(user)s, CASE WHEN %(credit)s >= %(amount)s"
            "   THEN %(credit)s - %(amount)s ELSE %(credit)s END, %(credit)s)"
            " ON CONFLICT (user_id) DO UPDATE SET balance = a.balance - %(amount)s"
            "   WHERE a.balance >= %(amount)s"
            " RETURNING xmax = 0",  # true when the row was inserted (PostgreSQL's idiom)
            {"user": user_id, "amount": amount, "credit": opening_credit}).fetchone()
        if row is None:
            return False  # an existing account that does not cover it
        opened = bool(row[0])
        return not opened or opening_credit >= amount

    def credit(self, user_id: str, amount: Decimal) -> None:
        self._conn.execute(
            "UPDATE accounts SET balance = balance + %s WHERE user_id = %s", (amount, user_id))

    def get(self, user_id: str) -> Account | None:
        with self._conn.cursor(row_factory=class_row(Account)) as cur:
            return cur.execute(
                "SELECT user_id, balance, initial_credit FROM accounts WHERE user_id = %s",
                (user_id,)).fetchone()


_SELECT_PAYMENT = (
    "SELECT order_id, user_id, amount, status, reason, created_at, refunded_at"
    " FROM payments WHERE order_id = %s"
)


class SqlPayments:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def add(self, payment: Payment) -> None:
        self._conn.execute(
            "INSERT INTO payments (order_id, user_id, amount, status, reason)"
            " VALUES (%s, %s, %s, %s, %s)",
            (payment.order_id, payment.user_id, payment.amount, payment.status, payment.reason))

    def get(self, order_id: str, for_update: bool = False) -> Payment | None:
        query = _SELECT_PAYMENT + " FOR UPDATE" if for_update else _SELECT_PAYMENT
        with self._conn.cursor(row_factory=class_row(Payment)) as cur:
            return cur.execute(query, (order_id,)).fetchone()

    def mark_refunded(self, order_id: str) -> None:
        self._conn.execute(
            "UPDATE payments SET status = 'REFUNDED', refunded_at = clock_timestamp()"
            " WHERE order_id = %s", (order_id,))


class PaymentUnitOfWork(PostgresUnitOfWork):
    accounts: SqlAccounts
    payments: SqlPayments

    def bind(self, conn: psycopg.Connection) -> None:
        self.accounts = SqlAccounts(conn)
        self.payments = SqlPayments(conn)

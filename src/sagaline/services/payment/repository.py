"""Payment's storage: accounts with balances, and one payment per order, behind the
`Accounts` and `Payments` interfaces."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

import psycopg
from psycopg.rows import class_row

from sagaline.core.unit_of_work import PostgresUnitOfWork, UnitOfWork


@dataclass(frozen=True)
class Payment:
    order_id: uuid.UUID
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


class Accounts(Protocol):
    """Balances per user (one contract suite for SQL and the tests' fake: see
    tests/integration/services). A balance is never below zero."""

    def debit(self, user_id: str, amount: Decimal, opening_credit: Decimal) -> bool:
        """Take `amount` if the balance covers it; False (and nothing taken) if not. An unknown
        user's account is opened with `opening_credit` first."""
        ...

    def credit(self, user_id: str, amount: Decimal) -> None:
        """Give `amount` back to an existing account (an unknown user gets nothing)."""

    def get(self, user_id: str) -> Account | None: ...


class Payments(Protocol):
    """One payment per order: adding a second for the same order is an error (at once or at
    commit), which rolls back the whole unit of work."""

    def add(self, payment: Payment) -> None: ...

    def get(self, order_id: uuid.UUID, for_update: bool = False) -> Payment | None: ...

    def mark_refunded(self, order_id: uuid.UUID) -> None:
        """Status REFUNDED, with the time of it."""


class PaymentUnitOfWork(UnitOfWork, Protocol):
    """What payment's handlers work with: a unit of work holding accounts and payments."""

    @property
    def accounts(self) -> Accounts: ...

    @property
    def payments(self) -> Payments: ...


class SqlAccounts:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def debit(self, user_id: str, amount: Decimal, opening_credit: Decimal) -> bool:
        # One statement: the insert opens (and debits) a new account; on conflict the update
        # debits an existing one.
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


# The column is text (the seed's); ids are UUIDs in and out, in canonical form.
_SELECT_PAYMENT = (
    "SELECT order_id::uuid AS order_id, user_id, amount, status, reason, created_at,"
    " refunded_at FROM payments WHERE order_id = %s"
)


class SqlPayments:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def add(self, payment: Payment) -> None:
        self._conn.execute(
            "INSERT INTO payments (order_id, user_id, amount, status, reason)"
            " VALUES (%s, %s, %s, %s, %s)",
            (str(payment.order_id), payment.user_id, payment.amount, payment.status,
             payment.reason))

    def get(self, order_id: uuid.UUID, for_update: bool = False) -> Payment | None:
        query = _SELECT_PAYMENT + " FOR UPDATE" if for_update else _SELECT_PAYMENT
        with self._conn.cursor(row_factory=class_row(Payment)) as cur:
            return cur.execute(query, (str(order_id),)).fetchone()

    def mark_refunded(self, order_id: uuid.UUID) -> None:
        self._conn.execute(
            "UPDATE payments SET status = 'REFUNDED', refunded_at = clock_timestamp()"
            " WHERE order_id = %s", (str(order_id),))


class PostgresPaymentUnitOfWork(PostgresUnitOfWork):
    accounts: Accounts
    payments: Payments

    def bind(self, conn: psycopg.Connection) -> None:
        self.accounts = SqlAccounts(conn)
        self.payments = SqlPayments(conn)

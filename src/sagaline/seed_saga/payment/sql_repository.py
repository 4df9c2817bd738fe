"""Payment's storage on PostgreSQL: the `Accounts` and `Payments` of repository.py, and the
unit of work that holds them (reading a batch's rows ahead, see `preload`)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection, Sequence
from decimal import Decimal

import psycopg
from psycopg.rows import class_row

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.read_ahead import ReadAhead
from sagaline.core.postgres.unit_of_work import PostgresUnitOfWork
from sagaline.seed_saga import ids
from sagaline.seed_saga.payment.repository import Account, Accounts, Payment, Payments


class SqlAccounts:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn
        # Locked when read: what it holds is current until the commit (see ReadAhead).
        self._locked: ReadAhead[str, Account] = ReadAhead(lambda a: a.user_id)

    def preload(self, user_ids: Collection[str]) -> None:
        if user_ids:  # queued, not awaited: answered at the first lookup of the batch
            cursor = self._conn.cursor(row_factory=class_row(Account))
            cursor.execute("SELECT user_id, balance, initial_credit FROM accounts"
                           " WHERE user_id = ANY(%s) ORDER BY user_id FOR UPDATE",
                           (sorted(user_ids),))
            self._locked.queue(user_ids, cursor)

    def debit(self, user_id: str, amount: Decimal, opening_credit: Decimal) -> bool:
        _, account = self._locked.lookup(user_id)
        if account is None:  # not locked ahead, or not opened yet
            return self._open_or_debit(user_id, amount, opening_credit)
        if account.balance < amount:
            return False
        self._conn.execute(  # not awaited: the row is ours, its balance known
            "UPDATE accounts SET balance = balance - %s WHERE user_id = %s", (amount, user_id))
        self._locked.remember(user_id, dataclasses.replace(account,
                                                           balance=account.balance - amount))
        return True

    def _open_or_debit(self, user_id: str, amount: Decimal, opening_credit: Decimal) -> bool:
        self._locked.forget(user_id)
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
        self._locked.forget(user_id)
        self._conn.execute(
            "UPDATE accounts SET balance = balance + %s WHERE user_id = %s", (amount, user_id))

    def get(self, user_id: str) -> Account | None:
        with self._conn.cursor(row_factory=class_row(Account)) as cur:
            return cur.execute(
                "SELECT user_id, balance, initial_credit FROM accounts WHERE user_id = %s",
                (user_id,)).fetchone()


# The column is text (the seed's); ids are UUIDs in and out, in canonical form.
_SELECT_PAYMENTS = (
    "SELECT order_id::uuid AS order_id, user_id, amount, status, reason, created_at,"
    " refunded_at, balance_after_charge, balance_after_refund FROM payments WHERE order_id"
)
_SELECT_PAYMENT = _SELECT_PAYMENTS + " = %s"


class SqlPayments:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn
        self._ahead: ReadAhead[uuid.UUID, Payment] = ReadAhead(lambda p: p.order_id)

    def preload(self, order_ids: Collection[uuid.UUID]) -> None:
        if order_ids:  # queued, not awaited: answered at the first `get`
            cursor = self._conn.cursor(row_factory=class_row(Payment))
            cursor.execute(_SELECT_PAYMENTS + " = ANY(%s)", ([str(i) for i in order_ids],))
            self._ahead.queue(order_ids, cursor)

    def add(self, payment: Payment) -> None:
        self._ahead.forget(payment.order_id)
        # The balance after the debit, read in the same statement (the row is locked by it).
        self._conn.execute(
            "INSERT INTO payments (order_id, user_id, amount, status, reason,"
            " balance_after_charge) VALUES (%(order)s, %(user)s, %(amount)s, %(status)s,"
            " %(reason)s, (SELECT balance FROM accounts WHERE user_id = %(user)s"
            "              AND %(status)s = 'CHARGED'))",
            {"order": str(payment.order_id), "user": payment.user_id,
             "amount": payment.amount, "status": payment.status, "reason": payment.reason})

    def get(self, order_id: uuid.UUID, for_update: bool = False) -> Payment | None:
        if not for_update:
            known, payment = self._ahead.lookup(order_id)
            if known:
                return payment
        query = _SELECT_PAYMENT + " FOR UPDATE" if for_update else _SELECT_PAYMENT
        with self._conn.cursor(row_factory=class_row(Payment)) as cur:
            return cur.execute(query, (str(order_id),)).fetchone()

    def mark_refunded(self, order_id: uuid.UUID) -> None:
        self._ahead.forget(order_id)
        self._conn.execute(  # with the balance after the credit, in the same statement
            "UPDATE payments SET status = 'REFUNDED', refunded_at = clock_timestamp(),"
            " balance_after_refund = (SELECT balance FROM accounts a"
            "                         WHERE a.user_id = payments.user_id)"
            " WHERE order_id = %s", (str(order_id),))


class PostgresPaymentUnitOfWork(PostgresUnitOfWork):
    accounts: Accounts
    payments: Payments

    def bind(self, conn: psycopg.Connection) -> None:
        self.accounts = SqlAccounts(conn)
        self.payments = SqlPayments(conn)

    def preload(self, events: Sequence[Envelope]) -> None:
        # Every handler looks its order's payment up; a charge debits its user.
        self.accounts.preload(_user_ids(events))
        self.payments.preload(ids.order_ids(events))


def _user_ids(events: Sequence[Envelope]) -> list[str]:
    return sorted({user for e in events if isinstance(user := e.payload.get("userId"), str)})

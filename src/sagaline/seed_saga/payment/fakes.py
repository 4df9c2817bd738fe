"""Payment's fake: accounts and payments in memory, for `Service.fake` (the harness,
sagaline.testing) and payment's unit tests. It passes the same contract suite as the SQL
repository (tests/integration/services); where the database refuses (a second payment for
an order) it raises the same psycopg error."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from decimal import Decimal

from psycopg import errors

from sagaline.seed_saga.payment.repository import Account, Payment
from sagaline.seed_saga.payment.status import NO_NET_CHARGE, PaymentStatus
from sagaline.testing.unit_of_work import InMemoryUnitOfWork

Now = Callable[[], datetime]


class FakeAccounts:
    def __init__(self) -> None:
        self.preloaded: list[str] = []
        self.rows: dict[str, Account] = {}

    def preload(self, user_ids: Collection[str]) -> None:
        self.preloaded.extend(user_ids)

    def debit(self, user_id: str, amount: Decimal, opening_credit: Decimal) -> bool:
        account = self.rows.setdefault(user_id, Account(user_id, opening_credit,
                                                        opening_credit))
        if account.balance < amount:
            return False
        self.rows[user_id] = dataclasses.replace(account, balance=account.balance - amount)
        return True

    def credit(self, user_id: str, amount: Decimal) -> None:
        if (account := self.rows.get(user_id)) is not None:
            self.rows[user_id] = dataclasses.replace(account, balance=account.balance + amount)

    def get(self, user_id: str) -> Account | None:
        return self.rows.get(user_id)


class FakePayments:
    def __init__(self, now: Now = lambda: datetime.now(UTC),
                 accounts: FakeAccounts | None = None) -> None:
        self.preloaded: list[uuid.UUID] = []
        self.rows: dict[uuid.UUID, Payment] = {}
        self._now = now
        self._accounts = accounts or FakeAccounts()  # the balances it records

    def _balance(self, user_id: str) -> Decimal | None:
        account = self._accounts.get(user_id)
        return account.balance if account is not None else None

    def preload(self, order_ids: Collection[uuid.UUID]) -> None:
        self.preloaded.extend(order_ids)

    def add(self, payment: Payment) -> None:
        if payment.order_id in self.rows:
            raise errors.UniqueViolation(f"a payment for {payment.order_id} exists")
        charged = payment.status == PaymentStatus.CHARGED
        self.rows[payment.order_id] = dataclasses.replace(
            payment, created_at=self._now(),
            balance_after_charge=self._balance(payment.user_id) if charged else None)

    def get(self, order_id: uuid.UUID, for_update: bool = False) -> Payment | None:
        return self.rows.get(order_id)

    def mark_refunded(self, order_id: uuid.UUID) -> None:
        if (payment := self.rows.get(order_id)) is not None:
            self.rows[order_id] = dataclasses.replace(
                payment, status=PaymentStatus.REFUNDED, refunded_at=self._now(),
                balance_after_refund=self._balance(payment.user_id))


class FakePaymentUnitOfWork(InMemoryUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.accounts = self.keep(FakeAccounts())
        self.payments = self.keep(FakePayments(lambda: self.clock.now(), self.accounts))


def problems(uow: FakePaymentUnitOfWork, confirmed: Collection[uuid.UUID],
             cancelled: Collection[uuid.UUID]) -> list[str]:
    """What breaks payment's part of the saga's invariants, read from the fake: a confirmed
    order is charged, a cancelled one has no net charge, and every account's money is its
    opening credit less what its charged payments hold."""
    charged = PaymentStatus.CHARGED
    found = []
    for order_id in confirmed:
        if (payment := uow.payments.get(order_id)) is None or payment.status != charged:
            found.append(f"confirmed order {order_id}: payment {payment}")
    for order_id in cancelled:
        payment = uow.payments.get(order_id)
        if payment is not None and payment.status not in NO_NET_CHARGE:
            found.append(f"cancelled order {order_id}: payment {payment.status}")
    for account in uow.accounts.rows.values():
        held = sum((p.amount for p in uow.payments.rows.values()
                    if p.user_id == account.user_id and p.status == charged), Decimal(0))
        if account.balance + held != account.initial_credit:
            found.append(f"account {account.user_id}: balance {account.balance} + charged "
                         f"{held} != opening credit {account.initial_credit}")
    return found

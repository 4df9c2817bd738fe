"""Payment's storage: accounts with balances, and one payment per order, behind the
`Accounts` and `Payments` interfaces (on PostgreSQL: sql_repository.py)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sagaline.core.postgres.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Payment:
    order_id: uuid.UUID
    user_id: str
    amount: Decimal
    status: str
    reason: str | None = None
    created_at: datetime | None = None
    refunded_at: datetime | None = None
    # The payer's balance right after its charge, and right after its refund (the storage
    # writes them: `Payments.add`, `mark_refunded`).
    balance_after_charge: Decimal | None = None
    balance_after_refund: Decimal | None = None


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

    def preload(self, user_ids: Collection[str]) -> None:
        """Lock these users' existing accounts now, in one statement and in one order for
        all, and keep their balances for `debit` (so that a debit costs no round trip)."""


class Payments(Protocol):
    """One payment per order: adding a second for the same order is an error (at once or at
    commit), which rolls back the whole unit of work."""

    def add(self, payment: Payment) -> None:
        """A CHARGED payment keeps its payer's balance as it is now (after the debit) as
        `balance_after_charge`; its own is ignored."""

    def get(self, order_id: uuid.UUID, for_update: bool = False) -> Payment | None:
        """The order's payment. Without `for_update` it may come from `preload` (as of then,
        with this unit of work's own writes since); `for_update` reads and locks the row."""
        ...

    def preload(self, order_ids: Collection[uuid.UUID]) -> None:
        """Read these orders' payments ahead, for `get` (without `for_update`)."""

    def mark_refunded(self, order_id: uuid.UUID) -> None:
        """Status REFUNDED, with the time of it and its payer's balance as it is now (after
        the credit) as `balance_after_refund`."""


class PaymentUnitOfWork(UnitOfWork, Protocol):
    """What payment's handlers work with: a unit of work holding accounts and payments."""

    @property
    def accounts(self) -> Accounts: ...

    @property
    def payments(self) -> Payments: ...

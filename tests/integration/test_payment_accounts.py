"""The payment service's one-statement debit against real Postgres (rolled back after)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pytest

from sagaline.services.payment.repository import SqlAccounts
from sagaline.stack import Stack


@pytest.fixture
def accounts(stack: Stack) -> Iterator[SqlAccounts]:
    with psycopg.connect(stack.settings.payment_db_dsn) as conn:
        yield SqlAccounts(conn)
        conn.rollback()


def test_a_new_user_is_opened_with_the_credit_and_debited(accounts: SqlAccounts) -> None:
    user = f"acct-{uuid.uuid4()}"
    assert accounts.debit(user, Decimal(30), Decimal(100))
    assert accounts.get(user).balance == Decimal(70)  # type: ignore[union-attr]
    assert accounts.debit(user, Decimal(70), Decimal(100))
    assert not accounts.debit(user, Decimal("0.01"), Decimal(100))
    assert accounts.get(user).balance == Decimal(0)  # type: ignore[union-attr]


def test_a_new_user_asking_more_than_the_credit_is_opened_but_not_debited(
        accounts: SqlAccounts) -> None:
    user = f"acct-{uuid.uuid4()}"
    assert not accounts.debit(user, Decimal(101), Decimal(100))
    account = accounts.get(user)
    assert account is not None
    assert (account.balance, account.initial_credit) == (Decimal(100), Decimal(100))

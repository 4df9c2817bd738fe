"""Reading ahead (`preload`) in the `Accounts` and `Payments` contracts, on the fakes and on
PostgreSQL: within a unit of work, whatever was preloaded, the answers are those without it;
a competitor's write after the preload meets this unit of work at the payment's key."""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal

import pytest
from psycopg import errors

from sagaline.seed_saga.payment.repository import Account, PaymentUnitOfWork
from tests.integration.services import test_payment_contract as contract
from tests.integration.services.conftest import Storage, new_name

payment = contract.payment  # the same fixture: the fake, then PostgreSQL
CREDIT, CHARGED, REFUNDED = contract.CREDIT, contract.CHARGED, contract.REFUNDED


def test_preloaded_payments_read_as_without_and_follow_this_unit_of_works_writes(
        payment: Storage[PaymentUnitOfWork]) -> None:
    charged, new = contract.new_payment(), contract.new_payment()
    contract.add(payment, charged)
    stranger = uuid.uuid4()  # never preloaded: asked of the database

    def work(uow: PaymentUnitOfWork) -> list[str | None]:
        uow.payments.preload([charged.order_id, new.order_id, new.order_id])
        before = [uow.payments.get(charged.order_id), uow.payments.get(new.order_id),
                  uow.payments.get(stranger)]
        uow.payments.add(new)
        uow.payments.mark_refunded(charged.order_id)
        after = [uow.payments.get(charged.order_id), uow.payments.get(new.order_id),
                 uow.payments.get(charged.order_id, for_update=True)]
        return [p.status if p else None for p in before + after]

    assert payment.run(work) == [CHARGED, None, None, REFUNDED, CHARGED, REFUNDED]


def test_a_write_before_the_preload_is_read_is_not_hidden_by_it(
        payment: Storage[PaymentUnitOfWork]) -> None:
    added = contract.new_payment()

    def work(uow: PaymentUnitOfWork) -> str | None:
        uow.payments.preload([added.order_id])  # queued: answers "absent" when read
        uow.payments.add(added)
        found = uow.payments.get(added.order_id)
        return found.status if found else None

    assert payment.run(work) == CHARGED


def test_a_competitor_deciding_after_the_preload_meets_this_one_at_the_key(
        payment: Storage[PaymentUnitOfWork]) -> None:
    """As two replicas deciding one order: one insert fails, with its whole unit of work."""
    ours = contract.new_payment()
    with pytest.raises(errors.UniqueViolation), payment.open() as uow:
        uow.payments.preload([ours.order_id])
        assert uow.payments.get(ours.order_id) is None
        contract.add(payment, dataclasses.replace(ours, status=contract.FAILED))  # the other
        uow.payments.add(ours)
        uow.commit()
    kept = contract.payment_of(payment, ours.order_id)
    assert kept is not None and kept.status == contract.FAILED


def test_preloaded_accounts_debit_as_without(payment: Storage[PaymentUnitOfWork]) -> None:
    rich, poor, new = new_name("user"), new_name("user"), new_name("user")
    contract.debit(payment, rich, "10")
    contract.debit(payment, poor, "95")

    def work(uow: PaymentUnitOfWork) -> list[bool]:
        uow.accounts.preload([rich, poor, new])
        debit = uow.accounts.debit
        return [debit(rich, Decimal(50), CREDIT), debit(rich, Decimal(41), CREDIT),
                debit(rich, Decimal(40), CREDIT), debit(poor, Decimal("5.01"), CREDIT),
                debit(new, Decimal(30), CREDIT), debit(new, Decimal(70), CREDIT),
                debit(new, Decimal("0.01"), CREDIT)]

    assert payment.run(work) == [True, False, True, False, True, True, False]
    assert [contract.account(payment, user).balance for user in (rich, poor, new)] == [
        Decimal(0), Decimal(5), Decimal(0)]


def test_a_credit_after_a_preload_counts_for_the_next_debit(
        payment: Storage[PaymentUnitOfWork]) -> None:
    user = new_name("user")
    contract.debit(payment, user, "100")

    def work(uow: PaymentUnitOfWork) -> bool:
        uow.accounts.preload([user])
        assert not uow.accounts.debit(user, Decimal(20), CREDIT)
        uow.accounts.credit(user, Decimal(20))
        return uow.accounts.debit(user, Decimal(20), CREDIT)

    assert payment.run(work)
    assert contract.account(payment, user) == Account(user, Decimal(0), CREDIT)

"""The `Accounts` and `Payments` contracts, on the fakes and on PostgreSQL: what payment's
handlers rely on."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from psycopg import errors

from sagaline.devstack import Stack
from sagaline.seed_saga.payment.repository import Account, Payment, PaymentUnitOfWork
from sagaline.seed_saga.payment.sql_repository import PostgresPaymentUnitOfWork
from sagaline.seed_saga.payment.status import PaymentStatus
from tests.integration.services.conftest import (
    IMPLEMENTATIONS,
    Storage,
    declared_fake,
    new_name,
    sql_storage,
)

CHARGED = PaymentStatus.CHARGED
FAILED = PaymentStatus.FAILED
REFUNDED = PaymentStatus.REFUNDED

CREDIT = Decimal(100)


@pytest.fixture(params=IMPLEMENTATIONS)
def payment(request: pytest.FixtureRequest) -> Iterator[Storage[PaymentUnitOfWork]]:
    if request.param == "fake":
        fake = declared_fake("payment")
        yield Storage(lambda: fake)
        return
    stack: Stack = request.getfixturevalue("stack")
    with sql_storage(stack, "payment", PostgresPaymentUnitOfWork) as storage:
        yield storage


def debit(payment: Storage[PaymentUnitOfWork], user: str, amount: str) -> bool:
    return payment.run(lambda uow: uow.accounts.debit(user, Decimal(amount), CREDIT))


def account(payment: Storage[PaymentUnitOfWork], user: str) -> Account:
    found = payment.run(lambda uow: uow.accounts.get(user))
    assert found is not None
    return found


def test_a_new_user_is_opened_with_the_credit_and_debited(
        payment: Storage[PaymentUnitOfWork]) -> None:
    user = new_name("user")
    assert debit(payment, user, "30")
    assert account(payment, user) == Account(user, Decimal(70), CREDIT)


def test_a_new_user_asking_more_than_the_credit_is_opened_but_not_debited(
        payment: Storage[PaymentUnitOfWork]) -> None:
    user = new_name("user")
    assert not debit(payment, user, "100.01")
    assert account(payment, user) == Account(user, CREDIT, CREDIT)


def test_a_debit_never_takes_the_balance_below_zero(
        payment: Storage[PaymentUnitOfWork]) -> None:
    user = new_name("user")
    assert debit(payment, user, "60")
    assert not debit(payment, user, "40.01")  # not covered: nothing taken
    assert account(payment, user).balance == Decimal(40)
    assert debit(payment, user, "40")  # exactly covered
    assert not debit(payment, user, "0.01")
    assert account(payment, user).balance == Decimal(0)


def test_a_credit_gives_back_to_an_account_and_opens_none(
        payment: Storage[PaymentUnitOfWork]) -> None:
    user, stranger = new_name("user"), new_name("user")
    debit(payment, user, "30")
    payment.run(lambda uow: uow.accounts.credit(user, Decimal(30)))
    payment.run(lambda uow: uow.accounts.credit(stranger, Decimal(30)))
    assert account(payment, user).balance == CREDIT
    assert payment.run(lambda uow: uow.accounts.get(stranger)) is None


def new_payment(status: str = CHARGED, reason: str | None = None) -> Payment:
    return Payment(uuid.uuid4(), new_name("user"), Decimal("12.34"), status, reason)


def add(payment: Storage[PaymentUnitOfWork], *payments: Payment) -> None:
    def add_all(uow: PaymentUnitOfWork) -> None:
        for one in payments:
            uow.payments.add(one)
    payment.run(add_all)


def payment_of(payment: Storage[PaymentUnitOfWork], order_id: uuid.UUID,
               for_update: bool = False) -> Payment | None:
    return payment.run(lambda uow: uow.payments.get(order_id, for_update))


def test_an_added_payment_reads_back(payment: Storage[PaymentUnitOfWork]) -> None:
    charged, failed = new_payment(), new_payment(FAILED, "INSUFFICIENT_FUNDS")
    add(payment, charged, failed)
    for added in (charged, failed):
        for got in (payment_of(payment, added.order_id), payment_of(payment, added.order_id,
                                                                    for_update=True)):
            assert got is not None and got.created_at is not None and got.refunded_at is None
            assert (got.order_id, got.user_id, got.amount, got.status, got.reason) == (
                added.order_id, added.user_id, added.amount, added.status, added.reason)
    assert payment_of(payment, uuid.uuid4()) is None


def test_a_second_payment_for_an_order_is_an_error(payment: Storage[PaymentUnitOfWork]) -> None:
    first = new_payment()
    add(payment, first)
    with pytest.raises(errors.UniqueViolation):
        add(payment, dataclasses.replace(first, status=FAILED))
    kept = payment_of(payment, first.order_id)
    assert kept is not None and kept.status == CHARGED


def test_a_refund_marks_that_payment_only(payment: Storage[PaymentUnitOfWork]) -> None:
    refunded, other = new_payment(), new_payment()
    add(payment, refunded, other)
    payment.run(lambda uow: uow.payments.mark_refunded(refunded.order_id))
    got = [payment_of(payment, refunded.order_id), payment_of(payment, other.order_id)]
    assert got[0] is not None and got[0].status == REFUNDED and got[0].refunded_at is not None
    assert got[1] is not None and got[1].status == CHARGED and got[1].refunded_at is None


def test_a_charge_keeps_the_balance_after_its_debit_and_a_refund_after_its_credit(
        payment: Storage[PaymentUnitOfWork]) -> None:
    """What the dashboard's timeline shows the step changed: the payer's balance right after
    each charge (two in one unit of work, read ahead: pipelined on PostgreSQL) and after the
    refund; a failed payment keeps none."""
    user = new_name("user")
    assert debit(payment, user, "10")  # opened: 90
    first, second = (Payment(uuid.uuid4(), user, Decimal(n), CHARGED) for n in ("10", "20"))
    failed = Payment(uuid.uuid4(), user, Decimal(500), FAILED, "INSUFFICIENT_FUNDS")

    def charge(uow: PaymentUnitOfWork) -> None:
        uow.accounts.preload([user])
        assert uow.accounts.debit(user, first.amount, CREDIT)
        uow.payments.add(first)
        assert uow.accounts.debit(user, second.amount, CREDIT)
        uow.payments.add(second)
        uow.payments.add(failed)
    payment.run(charge)
    got = [payment_of(payment, p.order_id) for p in (first, second, failed)]
    assert [g.balance_after_charge if g else "missing" for g in got] == [
        Decimal(80), Decimal(60), None]
    assert all(g is not None and g.balance_after_refund is None for g in got)

    def refund(uow: PaymentUnitOfWork) -> None:
        uow.accounts.credit(user, second.amount)
        uow.payments.mark_refunded(second.order_id)
    payment.run(refund)
    refunded = payment_of(payment, second.order_id, for_update=True)
    assert refunded is not None and refunded.balance_after_refund == Decimal(80)
    assert refunded.balance_after_charge == Decimal(60)  # kept

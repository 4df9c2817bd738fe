"""Payment's HTTP routes: read a payment and an account."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from sagaline.core.web import found
from sagaline.services.events import Amount
from sagaline.services.payment.repository import PaymentUnitOfWork
from sagaline.services.payment.status import PaymentStatus


class PaymentView(BaseModel):
    orderId: uuid.UUID
    userId: str
    amount: Amount
    status: PaymentStatus
    reason: str | None
    createdAt: datetime | None
    refundedAt: datetime | None


class AccountView(BaseModel):
    userId: str
    balance: Amount
    initialCredit: Amount


def routes(unit_of_work: Callable[[], PaymentUnitOfWork]) -> APIRouter:
    router = APIRouter(tags=["payment"])

    @router.get("/payments/{order_id}", responses={404: {"description": "no such payment"}})
    def get_payment(order_id: uuid.UUID) -> PaymentView:
        with unit_of_work() as uow:
            payment = uow.payments.get(order_id)
        payment = found(payment, f"no payment for order {order_id}")
        return PaymentView(
            orderId=payment.order_id, userId=payment.user_id, amount=payment.amount,
            status=payment.status, reason=payment.reason, createdAt=payment.created_at,
            refundedAt=payment.refunded_at)

    @router.get("/accounts/{user_id}", responses={404: {"description": "no such account"}})
    def get_account(user_id: str) -> AccountView:
        with unit_of_work() as uow:
            account = uow.accounts.get(user_id)
        account = found(account, f"no account for user {user_id}")
        return AccountView(userId=account.user_id, balance=account.balance,
                           initialCredit=account.initial_credit)

    return router

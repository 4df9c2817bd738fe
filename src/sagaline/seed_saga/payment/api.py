"""Payment's HTTP routes: read a payment and an account."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, WithJsonSchema

from sagaline.core.http.app import found
from sagaline.core.http.errors import documented
from sagaline.seed_saga.events import Amount, Text
from sagaline.seed_saga.payment.repository import PaymentUnitOfWork
from sagaline.seed_saga.payment.status import PaymentStatus

Number = Annotated[Amount, WithJsonSchema({"type": "number"})]
# A payment names its payer: a link leads from it to the payer's account.
_PAYER = {"GetPayerAccount": {"operationId": "get_account",
                              "parameters": {"user_id": "$response.body#/userId"}}}


class PaymentView(BaseModel):
    orderId: uuid.UUID
    userId: str
    amount: Number
    status: PaymentStatus
    reason: str | None
    createdAt: datetime | None
    refundedAt: datetime | None


class AccountView(BaseModel):
    userId: str
    balance: Number
    initialCredit: Number


def routes(unit_of_work: Callable[[], PaymentUnitOfWork]) -> APIRouter:
    router = APIRouter(tags=["payment"], responses=documented(422, 503))

    @router.get("/payments/{order_id}", operation_id="get_payment", responses={
        200: {"description": "The order's payment.", "links": _PAYER},
        **documented(404, notes={404: "No payment for this order (yet)."})})
    def get_payment(order_id: uuid.UUID) -> PaymentView:
        with unit_of_work() as uow:
            payment = uow.payments.get(order_id)
        payment = found(payment, f"no payment for order {order_id}")
        return PaymentView(
            orderId=payment.order_id, userId=payment.user_id, amount=payment.amount,
            status=payment.status, reason=payment.reason, createdAt=payment.created_at,
            refundedAt=payment.refunded_at)

    @router.get("/accounts/{user_id}", operation_id="get_account",
                responses=documented(404, notes={404: "No account for this user (yet)."}))
    def get_account(user_id: Text) -> AccountView:
        with unit_of_work() as uow:
            account = uow.accounts.get(user_id)
        account = found(account, f"no account for user {user_id}")
        return AccountView(userId=account.user_id, balance=account.balance,
                           initialCredit=account.initial_credit)

    return router

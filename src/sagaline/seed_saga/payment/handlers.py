"""Payment's handlers: charge for a new order; refund when a later step failed or the order
was cancelled. Which topic goes to which handler: `payment/step.py`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.saga import read
from sagaline.seed_saga import events, ids, topics
from sagaline.seed_saga.payment.repository import Payment, PaymentUnitOfWork
from sagaline.seed_saga.payment.status import PaymentStatus

INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"


@dataclass(frozen=True)
class PaymentRules:
    starting_credit: Decimal = Decimal(10_000)  # what an unknown user's new account holds


def charge_for_order(event: Envelope, uow: PaymentUnitOfWork, rules: PaymentRules) -> None:
    order = events.OrderCreated.model_validate(event.payload)
    order_id = ids.order_id(order.orderId)  # before any effect: a bad id is given up
    # Decided already (announced twice, or cancelled first)? If another replica decides it at
    # this very moment, one of the two inserts below hits the primary key, its transaction
    # (debit included) rolls back, and its retry finds the other's decision here.
    if uow.payments.get(order_id) is not None:
        return
    if not uow.accounts.debit(order.userId, order.totalAmount, rules.starting_credit):
        _decline(order, INSUFFICIENT_FUNDS, event, uow)
        return
    uow.payments.add(Payment(order_id, order.userId, order.totalAmount,
                             PaymentStatus.CHARGED))
    charged = events.PaymentCharged(orderId=str(order_id), amount=order.totalAmount,
                                    userId=order.userId, items=order.items)
    uow.emit(event.follow(topics.PAYMENT_CHARGED, events.payload(charged)))


def decline_order(event: Envelope, uow: PaymentUnitOfWork, reason: str) -> None:
    """Refuse to charge for a new order, whatever the balance (how an injected failure ends
    the step, see services/failures.py): FAILED with `reason`, nothing debited."""
    order = events.OrderCreated.model_validate(event.payload)
    if uow.payments.get(ids.order_id(order.orderId)) is None:  # decided already, as in charging
        _decline(order, reason, event, uow)


def _decline(order: events.OrderCreated, reason: str, cause: Envelope,
             uow: PaymentUnitOfWork) -> None:
    uow.payments.add(Payment(ids.order_id(order.orderId), order.userId, order.totalAmount,
                             PaymentStatus.FAILED, reason))
    failed = events.PaymentFailed(orderId=order.orderId, amount=order.totalAmount,
                                  reason=reason)
    uow.emit(cause.follow(topics.PAYMENT_FAILED, events.payload(failed)))


def refund_after_failure(event: Envelope, uow: PaymentUnitOfWork) -> None:
    """Compensation: give the money back, once, when a later step failed (inventory could
    not reserve; in a longer saga, any step after it). The event names the order and the
    reason, whatever its topic."""
    failure = read(event).model_dump()
    # Locked: a cancellation refunding it at the same time waits, then sees REFUNDED.
    payment = uow.payments.get(ids.order_id(failure["orderId"]), for_update=True)
    if payment is not None and payment.status == PaymentStatus.CHARGED:
        _refund(payment, failure["reason"], event, uow)


def cancel_for_order(event: Envelope, uow: PaymentUnitOfWork) -> None:
    """The order was cancelled (timed out): refund a charge, or make sure none happens."""
    cancelled = events.OrderCancelled.model_validate(event.payload)
    order_id = ids.order_id(cancelled.orderId)
    payment = uow.payments.get(order_id, for_update=True)
    if payment is None:  # not charged yet: the charge will find this (or hit its key) and stop
        uow.payments.add(Payment(order_id, cancelled.userId, cancelled.amount,
                                 PaymentStatus.VOIDED, cancelled.reason))
    elif payment.status == PaymentStatus.CHARGED:
        _refund(payment, cancelled.reason, event, uow)


def _refund(payment: Payment, reason: str, cause: Envelope, uow: PaymentUnitOfWork) -> None:
    uow.accounts.credit(payment.user_id, payment.amount)
    uow.payments.mark_refunded(payment.order_id)
    refunded = events.PaymentRefunded(orderId=str(payment.order_id), amount=payment.amount,
                                      reason=reason)
    uow.emit(cause.follow(topics.PAYMENT_REFUNDED, events.payload(refunded)))

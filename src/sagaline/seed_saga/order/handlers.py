"""Order's side of the saga: the command that starts it, and the outcomes that end it.

An order moves PENDING → PAID → CONFIRMED, or to CANCELLED (payment failed, with payment's
reason), or through COMPENSATING (inventory failed, refund under way) to CANCELLED. Events may
arrive late, twice, or out of order across topics: each transition names the states it may
start from, and no event moves an order that is final. Statuses: `order/status.py`; which
topic goes to which handler: `services/topology.py`.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sagaline.core.messaging.envelope import Envelope, dumps
from sagaline.core.observability import tracing
from sagaline.seed_saga import events, ids, topics
from sagaline.seed_saga.order.repository import Order, OrderUnitOfWork
from sagaline.seed_saga.order.status import NOT_FINAL, OrderStatus


@dataclass(frozen=True)
class PlaceOrder:
    """The command: start a saga for this order."""

    first_status = OrderStatus.PENDING  # what the command's answer says, also when replayed

    user_id: str
    total_amount: events.Money
    items: tuple[events.Item, ...] = ()
    idempotency_key: str | None = None
    traceparent: str | None = None
    # Chosen before the transaction, so that after a COMMIT of unknown outcome the order can
    # be looked up (`placed_order`).
    order_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def fingerprint(self) -> str:
        body = {"userId": self.user_id, "totalAmount": self.total_amount,
                "items": [item.model_dump() for item in self.items]}
        return hashlib.sha256(dumps(body)).hexdigest()


class IdempotencyConflict(Exception):
    """The idempotency key was used before for a different request."""


def place_order(command: PlaceOrder, uow: OrderUnitOfWork) -> Order:
    """Write the order and queue its `order.created` in the caller's transaction (which
    commits). With an idempotency key, a repeat returns the first order and writes nothing.
    The command's `traceparent` (the HTTP request's span) is the parent of this work's."""
    with tracing.span("place_order", command.traceparent):
        return _place(command, uow)


def _place(command: PlaceOrder, uow: OrderUnitOfWork) -> Order:
    order = Order(order_id=command.order_id, user_id=command.user_id,
                  total_amount=command.total_amount,
                  items=[item.model_dump() for item in command.items],
                  idempotency_key=command.idempotency_key,
                  request_hash=command.fingerprint(),
                  traceparent=tracing.for_event(command.traceparent))  # the saga's trace
    if not uow.orders.add(order):
        assert command.idempotency_key is not None
        first = uow.orders.by_idempotency_key(command.idempotency_key)
        assert first is not None  # the key's row conflicted, so it exists
        if first.request_hash != order.request_hash:
            raise IdempotencyConflict(command.idempotency_key)
        return first
    created = events.OrderCreated(
        orderId=str(order.order_id), userId=order.user_id, totalAmount=order.total_amount,
        createdAt=datetime.now(UTC).isoformat(), items=list(command.items))
    uow.emit(Envelope.first(topics.ORDER_CREATED, str(order.order_id), events.payload(created),
                            traceparent=order.traceparent))
    return order


def placed_order(command: PlaceOrder, uow: OrderUnitOfWork) -> Order | None:
    """The order `command` placed, if it was written (after a COMMIT of unknown outcome)."""
    return uow.orders.get(command.order_id)


def on_payment_charged(event: Envelope, uow: OrderUnitOfWork) -> None:
    charged = events.PaymentCharged.model_validate(event.payload)
    uow.orders.move(ids.order_id(charged.orderId), OrderStatus.PAID, None,
                    allowed_from=[OrderStatus.PENDING])


def on_payment_failed(event: Envelope, uow: OrderUnitOfWork) -> None:
    """Cancelled, with payment's reason (INSUFFICIENT_FUNDS, INJECTED_FAILURE, ...); a seed
    `payment.failed` has none and gives PAYMENT_FAILED."""
    failed = events.PaymentFailed.model_validate(event.payload)
    uow.orders.move(ids.order_id(failed.orderId), OrderStatus.CANCELLED, failed.reason,
                    NOT_FINAL)


def on_inventory_reserved(event: Envelope, uow: OrderUnitOfWork) -> None:
    reserved = events.InventoryReserved.model_validate(event.payload)
    uow.orders.move(ids.order_id(reserved.orderId), OrderStatus.CONFIRMED, None, NOT_FINAL)


def on_inventory_failed(event: Envelope, uow: OrderUnitOfWork) -> None:
    failed = events.InventoryFailed.model_validate(event.payload)
    uow.orders.move(ids.order_id(failed.orderId), OrderStatus.COMPENSATING, failed.reason,
                    NOT_FINAL)


def on_payment_refunded(event: Envelope, uow: OrderUnitOfWork) -> None:
    refunded = events.PaymentRefunded.model_validate(event.payload)
    uow.orders.move(ids.order_id(refunded.orderId), OrderStatus.CANCELLED, refunded.reason,
                    NOT_FINAL)


def cancel_overdue(uow: OrderUnitOfWork, deadline_s: float, limit: int = 500) -> int:
    """Cancel orders not final within the deadline and announce it (`order.cancelled`), so
    payment and inventory undo what they did. Outcomes arriving later cannot move them."""
    overdue = uow.orders.overdue(deadline_s, limit)
    for order in overdue:
        # In the saga's trace (stored with the order), not a new one: no event causes this.
        with tracing.span("saga deadline", order.traceparent,
                          attributes={"saga.id": str(order.order_id)}):
            uow.orders.move(order.order_id, OrderStatus.CANCELLED, "TIMEOUT", NOT_FINAL)
            cancelled = events.OrderCancelled(orderId=str(order.order_id),
                                              userId=order.user_id,
                                              amount=order.total_amount, reason="TIMEOUT")
            uow.emit(Envelope.first(topics.ORDER_CANCELLED, str(order.order_id),
                                    events.payload(cancelled), traceparent=order.traceparent))
    uow.commit()
    return len(overdue)


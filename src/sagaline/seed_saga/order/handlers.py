"""Order's side of the saga: the command that starts it, and the outcomes that end it.

Which event moves an order from which status to which is the saga's status table
(`StatusMachine`, declared with the saga: `seed_saga/saga.py`); `advance` applies it to every
outcome the order hears. Events may arrive late, twice, or out of order across topics: each
move names the statuses it may start from, and no event moves an order that is final.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sagaline.core.messaging.envelope import Envelope, dumps
from sagaline.core.messaging.retry import PermanentError
from sagaline.core.observability import tracing
from sagaline.core.saga import read
from sagaline.core.status_machine import StatusMachine
from sagaline.seed_saga import events, ids, topics
from sagaline.seed_saga.order.repository import Order, OrderUnitOfWork
from sagaline.seed_saga.order.status import OrderStatus


@dataclass(frozen=True)
class PlaceOrder:
    """The command: start a saga for this order."""

    first_status = OrderStatus.PENDING  # what the command's answer says, also when replayed

    user_id: str
    total_amount: events.Money
    items: tuple[events.Item, ...] = ()
    idempotency_key: str | None = None
    traceparent: str | None = None
    # Chosen before the transaction, so that the answer to a COMMIT of unknown outcome can
    # name the order, for the client to read it back.
    order_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def fingerprint(self) -> str:
        body = {"userId": self.user_id, "totalAmount": self.total_amount,
                "items": [item.model_dump() for item in self.items]}
        return hashlib.sha256(dumps(body)).hexdigest()


DEADLINE_REASON = "TIMEOUT"  # why the deadline cancels an order (`cancel_overdue`)


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


def advance(event: Envelope, uow: OrderUnitOfWork, statuses: StatusMachine) -> None:
    """Move the order as the saga's status table says for this event's topic, from the
    statuses the table allows (else leave it: a late, repeated or reordered outcome), with
    the event's reason if it has one (a reason once set stays)."""
    move = statuses.move(event.topic)
    if move is None:
        raise PermanentError(f"{event.topic} moves no order")
    fields = vars(read(event))  # the validated model's fields, without a copy
    to, allowed_from = move
    uow.orders.move(ids.order_id(fields["orderId"]), to, fields.get("reason"), allowed_from)


def cancel_overdue(uow: OrderUnitOfWork, deadline_s: float, statuses: StatusMachine,
                   limit: int = 500) -> int:
    """Cancel orders not final within the deadline and announce it (`order.cancelled`), so
    the other steps undo what they did. Outcomes arriving later cannot move them."""
    overdue = uow.orders.overdue(deadline_s, limit)
    for order in overdue:
        cancel(order, DEADLINE_REASON, uow, statuses, "saga deadline")
    uow.commit()
    return len(overdue)


def cancel(order: Order, reason: str, uow: OrderUnitOfWork, statuses: StatusMachine,
           why: str) -> None:
    """Cancel `order` (locked by the caller, not final) and announce it with `reason`:
    payment and inventory undo their part on `order.cancelled`."""
    # In the saga's trace (stored with the order), not a new one: no event causes this.
    with tracing.span(why, order.traceparent, attributes={"saga.id": str(order.order_id)}):
        uow.orders.move(order.order_id, statuses.cancelled, reason, statuses.not_final)
        cancelled = events.OrderCancelled(orderId=str(order.order_id), userId=order.user_id,
                                          amount=order.total_amount, reason=reason)
        uow.emit(Envelope.first(topics.ORDER_CANCELLED, str(order.order_id),
                                events.payload(cancelled), traceparent=order.traceparent))

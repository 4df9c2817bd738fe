"""An operator cancels a saga that is not final: the order's own path, as the deadline takes
it (`handlers.cancel`: the order is CANCELLED and `order.cancelled` makes payment and
inventory undo their part), with the reason OPERATOR_CANCELLED. The operator's words go to
the operator log in the same transaction. A final order is refused, and the refusal logged."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass

from sagaline.core.operator_log import Entry
from sagaline.core.status_machine import StatusMachine
from sagaline.seed_saga.order.handlers import cancel
from sagaline.seed_saga.order.repository import Order, OrderUnitOfWork

OPERATOR_CANCELLED = "OPERATOR_CANCELLED"  # the order's reason, and its events'
ACTION = "saga.cancel"


@dataclass(frozen=True)
class CancelOrder:
    """The command: `operator` cancels the order, for `reason` (their words)."""

    order_id: uuid.UUID
    operator: str
    reason: str

    def entry(self, result: str) -> Entry:
        return Entry(self.operator, ACTION, self.reason, result, (str(self.order_id),))


class CannotCancel(Exception):
    """The order is final: there is nothing left to cancel."""


def cancel_order(command: CancelOrder, uow: OrderUnitOfWork, statuses: StatusMachine) -> Order:
    """Cancel and commit; LookupError for an unknown order, CannotCancel for a final one.
    The row is locked first, so no outcome can make it final in between."""
    order = uow.orders.locked(command.order_id)
    if order is None:
        raise LookupError(f"no order {command.order_id}")
    if order.status in statuses.final:
        raise CannotCancel(f"order {order.order_id} is {order.status}, which is final: "
                           "nothing to cancel")
    cancel(order, OPERATOR_CANCELLED, uow, statuses, "operator cancel")
    uow.log_action(command.entry(f"cancelled (was {order.status})"))
    uow.commit()
    return dataclasses.replace(order, status=statuses.cancelled,
                               reason=order.reason or OPERATOR_CANCELLED)


def log_refusal(command: CancelOrder, why: str, uow: OrderUnitOfWork) -> None:
    """Write a refused cancel to the operator log (its own transaction)."""
    uow.log_action(command.entry(f"refused: {why}"))
    uow.commit()

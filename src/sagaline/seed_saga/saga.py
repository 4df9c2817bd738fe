"""The default saga, the seed demo's: order, then payment, then inventory.

An order moves PENDING → PAID → CONFIRMED, or to CANCELLED (payment failed, with payment's
reason), or through COMPENSATING (inventory failed, refund under way) to CANCELLED. The
deadline cancels an order not final in time; payment and inventory then undo their part.
"""

from __future__ import annotations

from sagaline.core.saga import Saga
from sagaline.core.status_machine import ANY, StatusMachine
from sagaline.seed_saga import topics
from sagaline.seed_saga.inventory import step as inventory
from sagaline.seed_saga.order import step as order
from sagaline.seed_saga.order.status import OrderStatus as S
from sagaline.seed_saga.payment import step as payment

STATUSES = StatusMachine(
    initial=S.PENDING,
    final=(S.CONFIRMED, S.CANCELLED),
    waits_on={S.PENDING: "payment", S.PAID: "inventory", S.COMPENSATING: "payment"},
    table={
        (S.PENDING, topics.PAYMENT_CHARGED): S.PAID,
        (ANY, topics.PAYMENT_FAILED): S.CANCELLED,  # with payment's reason
        (ANY, topics.INVENTORY_RESERVED): S.CONFIRMED,
        (ANY, topics.INVENTORY_FAILED): S.COMPENSATING,  # the refund is under way
        (ANY, topics.PAYMENT_REFUNDED): S.CANCELLED,  # with the failed step's reason
    },
)

SAGA = Saga(
    name="seed",
    services=(order.declare(STATUSES), payment.SERVICE, inventory.SERVICE),
    statuses=STATUSES,
    owner="order",
)

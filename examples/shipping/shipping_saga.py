"""The seed's saga plus a shipping step after inventory: the order is CONFIRMED only once
its parcel is scheduled; when shipping fails, payment refunds, inventory releases, and the
order ends CANCELLED with shipping's reason.

Run it from this directory: `sagaline up --saga shipping_saga:SAGA`.
"""

from __future__ import annotations

from sagaline.core.saga import Saga
from sagaline.core.status_machine import ANY, StatusMachine
from sagaline.seed_saga import topics
from sagaline.seed_saga.inventory import step as inventory
from sagaline.seed_saga.inventory.handlers import release_for_order
from sagaline.seed_saga.order import step as order
from sagaline.seed_saga.payment import step as payment
from sagaline.seed_saga.payment.handlers import refund_after_failure
from shipping import step as shipping
from shipping.events import SHIPPING_FAILED, SHIPPING_SCHEDULED

STATUSES = StatusMachine(
    initial="PENDING",
    final=("CONFIRMED", "CANCELLED"),
    waits_on={"PENDING": "payment", "PAID": "inventory", "RESERVED": "shipping",
              "COMPENSATING": "payment"},
    table={
        ("PENDING", topics.PAYMENT_CHARGED): "PAID",
        ("PENDING", topics.INVENTORY_RESERVED): "RESERVED",
        ("PAID", topics.INVENTORY_RESERVED): "RESERVED",
        (ANY, SHIPPING_SCHEDULED): "CONFIRMED",
        (ANY, topics.PAYMENT_FAILED): "CANCELLED",
        (ANY, topics.INVENTORY_FAILED): "COMPENSATING",
        (ANY, SHIPPING_FAILED): "COMPENSATING",
        (ANY, topics.PAYMENT_REFUNDED): "CANCELLED",
    },
)

SAGA = Saga(
    name="shipping",
    services=(
        order.declare(STATUSES),
        payment.SERVICE.consuming({SHIPPING_FAILED: refund_after_failure},
                                  compensations=[SHIPPING_FAILED]),
        inventory.SERVICE.consuming({SHIPPING_FAILED: release_for_order},
                                    compensations=[SHIPPING_FAILED]),
        shipping.SERVICE,
    ),
    statuses=STATUSES,
    owner="order",
)

"""The saga's topology, declared once: for each service, its consumer group, the topics it
consumes (and the handler each goes to) and the topics it produces.

Who reads it: each service's bootstrap registers its handlers from it
(`PAYMENT_TOPOLOGY.handlers(rules=...)`, dependencies injected by name: see core/topology.py),
the auditor measures consumer lag on the topics it names, the dashboard draws it, and unit
tests hold it to the README's topic table, to `topics.ALL_TOPICS` and to the `uow.emit(...)`
calls in each service's code.
"""

from __future__ import annotations

from sagaline.core.saga import ServiceTopology, Topology
from sagaline.seed_saga import topics
from sagaline.seed_saga.inventory import handlers as inventory
from sagaline.seed_saga.inventory.repository import InventoryUnitOfWork
from sagaline.seed_saga.order import handlers as order
from sagaline.seed_saga.order.repository import OrderUnitOfWork
from sagaline.seed_saga.payment import handlers as payment
from sagaline.seed_saga.payment.repository import PaymentUnitOfWork

ORDER_TOPOLOGY = ServiceTopology[OrderUnitOfWork](
    name="order",
    consumer_group="order-service-group",
    consumes={
        topics.PAYMENT_CHARGED: order.on_payment_charged,
        topics.PAYMENT_FAILED: order.on_payment_failed,
        topics.INVENTORY_RESERVED: order.on_inventory_reserved,
        topics.INVENTORY_FAILED: order.on_inventory_failed,
        topics.PAYMENT_REFUNDED: order.on_payment_refunded,
    },
    produces=(topics.ORDER_CREATED,  # place_order (POST /orders)
              topics.ORDER_CANCELLED),  # cancel_overdue (the saga deadline)
)

PAYMENT_TOPOLOGY = ServiceTopology[PaymentUnitOfWork](
    name="payment",
    consumer_group="payment-service-group",
    consumes={
        topics.ORDER_CREATED: payment.charge_for_order,
        topics.INVENTORY_FAILED: payment.refund_after_failure,
        topics.ORDER_CANCELLED: payment.cancel_for_order,
    },
    produces=(topics.PAYMENT_CHARGED, topics.PAYMENT_FAILED, topics.PAYMENT_REFUNDED),
    compensations=frozenset({topics.INVENTORY_FAILED,  # refund
                             topics.ORDER_CANCELLED}),  # refund or void
)

INVENTORY_TOPOLOGY = ServiceTopology[InventoryUnitOfWork](
    name="inventory",
    consumer_group="inventory-service-group",
    consumes={
        topics.PAYMENT_CHARGED: inventory.reserve_for_paid_order,
        topics.ORDER_CANCELLED: inventory.release_for_cancelled_order,
    },
    produces=(topics.INVENTORY_RESERVED, topics.INVENTORY_FAILED, topics.INVENTORY_RELEASED),
    compensations=frozenset({topics.ORDER_CANCELLED}),  # release or void
)

TOPOLOGY = Topology((ORDER_TOPOLOGY, PAYMENT_TOPOLOGY, INVENTORY_TOPOLOGY))

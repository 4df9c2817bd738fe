"""The saga's topics, each bound to the model of its events: the seed demo's five, and the
compensations ours adds. Dead-letter topics and topic lists are derived from the saga
(`seed_saga/saga.py`)."""

from sagaline.core.saga import Topic
from sagaline.seed_saga import events

ORDER_CREATED = Topic("order.created", events.OrderCreated)
PAYMENT_CHARGED = Topic("payment.charged", events.PaymentCharged)
PAYMENT_FAILED = Topic("payment.failed", events.PaymentFailed)
PAYMENT_REFUNDED = Topic("payment.refunded", events.PaymentRefunded)
INVENTORY_RESERVED = Topic("inventory.reserved", events.InventoryReserved)
INVENTORY_FAILED = Topic("inventory.failed", events.InventoryFailed)
# Saga timeouts: the order gave up waiting; payment and inventory undo what they did.
ORDER_CANCELLED = Topic("order.cancelled", events.OrderCancelled)
INVENTORY_RELEASED = Topic("inventory.released", events.InventoryReleased)

"""The saga's topic names: the seed demo's five, the compensations ours adds, dead letters."""

from sagaline.core.saga import dead_letter_topic

ORDER_CREATED = "order.created"
PAYMENT_CHARGED = "payment.charged"
PAYMENT_FAILED = "payment.failed"
PAYMENT_REFUNDED = "payment.refunded"
INVENTORY_RESERVED = "inventory.reserved"
INVENTORY_FAILED = "inventory.failed"
# Saga timeouts: the order gave up waiting; payment and inventory undo what they did.
ORDER_CANCELLED = "order.cancelled"
INVENTORY_RELEASED = "inventory.released"



DEAD_LETTER_TOPICS = tuple(dead_letter_topic(s) for s in ("order", "payment", "inventory"))

ALL_TOPICS: tuple[str, ...] = (
    ORDER_CREATED,
    PAYMENT_CHARGED,
    PAYMENT_FAILED,
    PAYMENT_REFUNDED,
    INVENTORY_RESERVED,
    INVENTORY_FAILED,
    ORDER_CANCELLED,
    INVENTORY_RELEASED,
    *DEAD_LETTER_TOPICS,
)

"""The saga's topic names: the seed demo's five, plus the compensation ours adds."""

ORDER_CREATED = "order.created"
PAYMENT_CHARGED = "payment.charged"
PAYMENT_FAILED = "payment.failed"
PAYMENT_REFUNDED = "payment.refunded"
INVENTORY_RESERVED = "inventory.reserved"
INVENTORY_FAILED = "inventory.failed"

ALL_TOPICS: tuple[str, ...] = (
    ORDER_CREATED,
    PAYMENT_CHARGED,
    PAYMENT_FAILED,
    PAYMENT_REFUNDED,
    INVENTORY_RESERVED,
    INVENTORY_FAILED,
)

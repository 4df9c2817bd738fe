"""Which topics each service's consumer group reads: the keys of its handler table, taken
from the handlers themselves so the audit follows the saga when a topic is added."""

from __future__ import annotations

from sagaline.services import INVENTORY, ORDER, PAYMENT
from sagaline.services.inventory.handlers import InventoryRules
from sagaline.services.inventory.handlers import handlers as inventory_handlers
from sagaline.services.order.handlers import HANDLERS as ORDER_HANDLERS
from sagaline.services.payment.handlers import PaymentRules
from sagaline.services.payment.handlers import handlers as payment_handlers


def consumed_topics() -> dict[str, tuple[str, ...]]:
    """Consumer group -> the topics it subscribes to."""
    return {
        ORDER.consumer_group: tuple(sorted(ORDER_HANDLERS)),
        PAYMENT.consumer_group: tuple(sorted(payment_handlers(PaymentRules()))),
        INVENTORY.consumer_group: tuple(sorted(inventory_handlers(InventoryRules()))),
    }

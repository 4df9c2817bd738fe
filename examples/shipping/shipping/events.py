"""Shipping's events, each bound to its topic."""

from __future__ import annotations

from sagaline.core.saga import Topic
from sagaline.seed_saga.events import Event, Reason, Text


class ShippingScheduled(Event):
    orderId: Text
    day: Text  # the day the carrier takes the parcel (ISO date)


class ShippingFailed(Event):
    orderId: Text
    reason: Reason = "NOT_SHIPPED"


SHIPPING_SCHEDULED = Topic("shipping.scheduled", ShippingScheduled)
SHIPPING_FAILED = Topic("shipping.failed", ShippingFailed)

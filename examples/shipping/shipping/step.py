"""The shipping step, declared."""

from __future__ import annotations

import random

from sagaline.core.middleware.injected_failures import RandomFailure
from sagaline.core.observability.metrics import ServiceMetrics
from sagaline.core.runtime.compose import Parts
from sagaline.core.saga import Saga, Service
from sagaline.seed_saga import topics
from shipping import api, audit, timeline
from shipping.events import SHIPPING_FAILED, SHIPPING_SCHEDULED
from shipping.fakes import FakeShippingUnitOfWork
from shipping.handlers import (
    Carrier,
    cancel_for_order,
    refuse_shipment,
    schedule_for_reserved_order,
)
from shipping.repository import PostgresShippingUnitOfWork, ShippingUnitOfWork
from shipping.settings import ShippingSettings


def parts(saga: Saga, settings: ShippingSettings, metrics: ServiceMetrics | None,
          chance: random.Random | None = None) -> Parts[ShippingUnitOfWork]:
    injected = RandomFailure(settings.shipping_failure_rate, chance or random.Random())
    return Parts(
        sql_unit_of_work=PostgresShippingUnitOfWork,
        dependencies={"carrier": Carrier(settings.daily_capacity)},
        middleware={topics.INVENTORY_RESERVED:
                    lambda h: injected.around(h, refuse=refuse_shipment)},
        routes=api.routes)


SERVICE = Service[ShippingUnitOfWork](
    name="shipping", package="shipping", consumer_group="shipping-service-group",
    consumes={
        topics.INVENTORY_RESERVED: schedule_for_reserved_order,
        topics.ORDER_CANCELLED: cancel_for_order,
    },
    produces=(SHIPPING_SCHEDULED, SHIPPING_FAILED),
    compensations=frozenset({topics.ORDER_CANCELLED}),  # cancel or void
    settings=ShippingSettings, parts=parts, fake=FakeShippingUnitOfWork,
    audit=audit.AUDIT, timeline=timeline.TIMELINE)

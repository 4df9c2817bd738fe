"""The inventory step, declared: reserve every item of a paid order, or none; release them
when the order is cancelled."""

from __future__ import annotations

import random
from collections.abc import Callable

from sagaline.core.middleware.injected_failures import RandomFailure
from sagaline.core.observability.metrics import ServiceMetrics
from sagaline.core.runtime.compose import Parts
from sagaline.core.saga import Saga, Service
from sagaline.seed_saga import topics
from sagaline.seed_saga.inventory import api, audit, timeline
from sagaline.seed_saga.inventory.fakes import FakeInventoryUnitOfWork
from sagaline.seed_saga.inventory.handlers import (
    refuse_reservation,
    release_for_order,
    reserve_for_paid_order,
)
from sagaline.seed_saga.inventory.repository import InventoryUnitOfWork
from sagaline.seed_saga.inventory.settings import InventorySettings
from sagaline.seed_saga.inventory.sql_repository import PostgresInventoryUnitOfWork


def parts(saga: Saga, settings: InventorySettings, metrics: ServiceMetrics | None,
          chance: random.Random | None = None) -> Parts[InventoryUnitOfWork]:
    injected = RandomFailure(settings.inventory_failure_rate, chance or random.Random())

    def seed_stock(unit_of_work: Callable[[], InventoryUnitOfWork]) -> None:
        with unit_of_work() as uow:
            uow.stock.seed(settings.initial_stock)
            uow.commit()

    return Parts(
        sql_unit_of_work=PostgresInventoryUnitOfWork,
        middleware={topics.PAYMENT_CHARGED:
                    lambda h: injected.around(h, refuse=refuse_reservation)},
        routes=api.routes, on_start=seed_stock)


SERVICE = Service[InventoryUnitOfWork](
    name="inventory", package="sagaline.seed_saga.inventory",
    consumer_group="inventory-service-group",
    consumes={
        topics.PAYMENT_CHARGED: reserve_for_paid_order,
        topics.ORDER_CANCELLED: release_for_order,
    },
    produces=(topics.INVENTORY_RESERVED, topics.INVENTORY_FAILED, topics.INVENTORY_RELEASED),
    compensations=frozenset({topics.ORDER_CANCELLED}),  # release or void
    settings=InventorySettings, parts=parts, http_port=4003,
    audit=audit.AUDIT, timeline=timeline.TIMELINE,
    fake=FakeInventoryUnitOfWork)

"""Inventory's composition root: every adapter is a parameter, the real one by default."""

from __future__ import annotations

import random
from collections.abc import Callable

from sagaline.core.messaging.messages import MessageSource
from sagaline.core.messaging.publisher import Publisher
from sagaline.core.middleware.faults import FaultPoints
from sagaline.core.middleware.injected_failures import RandomFailure
from sagaline.core.runtime.service import Service
from sagaline.core.runtime.wiring import Plumbing
from sagaline.seed_saga import INVENTORY, topics
from sagaline.seed_saga.assembly import assemble
from sagaline.seed_saga.inventory import api
from sagaline.seed_saga.inventory.handlers import refuse_reservation
from sagaline.seed_saga.inventory.repository import InventoryUnitOfWork
from sagaline.seed_saga.inventory.sql_repository import PostgresInventoryUnitOfWork
from sagaline.seed_saga.topology import INVENTORY_TOPOLOGY
from sagaline.settings import InventorySettings


def bootstrap(
    settings: InventorySettings | None = None,
    *,
    unit_of_work: Callable[[], InventoryUnitOfWork] | None = None,
    publisher: Publisher | None = None,
    source: MessageSource | None = None,
    faults: FaultPoints | None = None,
    plumbing: Plumbing | None = None,
    chance: random.Random | None = None,
) -> Service:
    settings = settings or InventorySettings()
    handlers = INVENTORY_TOPOLOGY.handlers()
    injected = RandomFailure(settings.inventory_failure_rate, chance or random.Random())
    reserve = handlers[topics.PAYMENT_CHARGED]
    handlers[topics.PAYMENT_CHARGED] = injected.around(reserve, refuse=refuse_reservation)

    def seed_stock(unit_of_work: Callable[[], InventoryUnitOfWork]) -> None:
        with unit_of_work() as uow:
            uow.stock.seed(settings.initial_stock)
            uow.commit()

    return assemble(
        INVENTORY, settings, handlers=handlers, postgres_unit_of_work=PostgresInventoryUnitOfWork,
        routes=api.routes, on_start=seed_stock,
        unit_of_work=unit_of_work, publisher=publisher, source=source,
        faults=faults, plumbing=plumbing)

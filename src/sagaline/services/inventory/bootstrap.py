"""Inventory's composition root: every adapter is a parameter, the real one by default."""

from __future__ import annotations

import random
from collections.abc import Callable

from sagaline.core.faults import FaultPoints
from sagaline.core.messages import MessageSource
from sagaline.core.publisher import Publisher
from sagaline.core.service import Service
from sagaline.core.wiring import Plumbing
from sagaline.services import INVENTORY, topics
from sagaline.services.assembly import assemble
from sagaline.services.failures import RandomFailure
from sagaline.services.inventory import api
from sagaline.services.inventory.handlers import refuse_reservation
from sagaline.services.inventory.repository import InventoryUnitOfWork
from sagaline.services.inventory.sql_repository import PostgresInventoryUnitOfWork
from sagaline.services.topology import INVENTORY_TOPOLOGY
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

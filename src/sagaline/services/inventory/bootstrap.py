"""Inventory's composition root: every adapter is a parameter, the real one by default."""

from __future__ import annotations

import random
from collections.abc import Callable

from sagaline.core.messages import MessageSource
from sagaline.core.publisher import Publisher
from sagaline.core.service import Service
from sagaline.services import INVENTORY
from sagaline.services.assembly import assemble
from sagaline.services.failures import RandomFailure
from sagaline.services.inventory import api
from sagaline.services.inventory.handlers import InventoryRules, handlers
from sagaline.services.inventory.repository import InventoryUnitOfWork, PostgresInventoryUnitOfWork
from sagaline.settings import Settings, get_settings


def bootstrap(
    settings: Settings | None = None,
    *,
    unit_of_work: Callable[[], InventoryUnitOfWork] | None = None,
    publisher: Publisher | None = None,
    source: MessageSource | None = None,
    chance: random.Random | None = None,
) -> Service:
    settings = settings or get_settings()
    rules = InventoryRules(RandomFailure(settings.inventory_failure_rate,
                                         chance or random.Random()))

    def seed_stock(unit_of_work: Callable[[], InventoryUnitOfWork]) -> None:
        with unit_of_work() as uow:
            uow.stock.seed(settings.initial_stock)
            uow.commit()

    return assemble(
        INVENTORY, settings, handlers=handlers(rules),
        postgres_unit_of_work=PostgresInventoryUnitOfWork, routes=api.routes, on_start=seed_stock,
        unit_of_work=unit_of_work, publisher=publisher, source=source)

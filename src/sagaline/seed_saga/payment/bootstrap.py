"""Payment's composition root: every adapter is a parameter, the real one by default."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from sagaline.core.messaging.messages import MessageSource
from sagaline.core.messaging.publisher import Publisher
from sagaline.core.middleware.faults import FaultPoints
from sagaline.core.middleware.injected_failures import RandomFailure
from sagaline.core.runtime.service import Service
from sagaline.core.runtime.wiring import Plumbing
from sagaline.seed_saga import PAYMENT, topics
from sagaline.seed_saga.assembly import assemble
from sagaline.seed_saga.payment import api
from sagaline.seed_saga.payment.handlers import PaymentRules, decline_order
from sagaline.seed_saga.payment.repository import PaymentUnitOfWork
from sagaline.seed_saga.payment.sql_repository import PostgresPaymentUnitOfWork
from sagaline.seed_saga.topology import PAYMENT_TOPOLOGY
from sagaline.settings import PaymentSettings


def bootstrap(
    settings: PaymentSettings | None = None,
    *,
    unit_of_work: Callable[[], PaymentUnitOfWork] | None = None,
    publisher: Publisher | None = None,
    source: MessageSource | None = None,
    faults: FaultPoints | None = None,
    plumbing: Plumbing | None = None,
    chance: random.Random | None = None,
) -> Service:
    settings = settings or PaymentSettings()
    handlers = PAYMENT_TOPOLOGY.handlers(rules=PaymentRules(Decimal(settings.starting_credit)))
    injected = RandomFailure(settings.payment_failure_rate, chance or random.Random())
    charge = handlers[topics.ORDER_CREATED]
    handlers[topics.ORDER_CREATED] = injected.around(charge, refuse=decline_order)
    return assemble(
        PAYMENT, settings, handlers=handlers, postgres_unit_of_work=PostgresPaymentUnitOfWork,
        routes=api.routes,
        unit_of_work=unit_of_work, publisher=publisher, source=source,
        faults=faults, plumbing=plumbing)

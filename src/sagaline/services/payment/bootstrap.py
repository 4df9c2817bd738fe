"""Payment's composition root: every adapter is a parameter, the real one by default."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from sagaline.core.faults import FaultPoints
from sagaline.core.messages import MessageSource
from sagaline.core.publisher import Publisher
from sagaline.core.service import Service
from sagaline.core.wiring import Plumbing
from sagaline.services import PAYMENT, topics
from sagaline.services.assembly import assemble
from sagaline.services.failures import RandomFailure
from sagaline.services.payment import api
from sagaline.services.payment.handlers import PaymentRules, decline_order
from sagaline.services.payment.repository import PaymentUnitOfWork
from sagaline.services.payment.sql_repository import PostgresPaymentUnitOfWork
from sagaline.services.topology import PAYMENT_TOPOLOGY
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

"""Payment's composition root: every adapter is a parameter, the real one by default."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from sagaline.core.messages import MessageSource
from sagaline.core.publisher import Publisher
from sagaline.core.service import Service
from sagaline.services import PAYMENT
from sagaline.services.assembly import assemble
from sagaline.services.failures import RandomFailure
from sagaline.services.payment import api
from sagaline.services.payment.handlers import PaymentRules, handlers
from sagaline.services.payment.repository import PaymentUnitOfWork, PostgresPaymentUnitOfWork
from sagaline.settings import Settings, get_settings


def bootstrap(
    settings: Settings | None = None,
    *,
    unit_of_work: Callable[[], PaymentUnitOfWork] | None = None,
    publisher: Publisher | None = None,
    source: MessageSource | None = None,
    chance: random.Random | None = None,
) -> Service:
    settings = settings or get_settings()
    rules = PaymentRules(Decimal(settings.starting_credit),
                         RandomFailure(settings.payment_failure_rate, chance or random.Random()))
    return assemble(
        PAYMENT, settings, handlers=handlers(rules),
        postgres_unit_of_work=PostgresPaymentUnitOfWork, routes=api.routes,
        unit_of_work=unit_of_work, publisher=publisher, source=source)

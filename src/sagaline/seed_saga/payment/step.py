"""The payment step, declared: charge for a new order; refund when a later step failed or
the order was cancelled."""

from __future__ import annotations

import random
from decimal import Decimal

from sagaline.core.middleware.injected_failures import RandomFailure
from sagaline.core.observability.metrics import ServiceMetrics
from sagaline.core.runtime.compose import Parts
from sagaline.core.saga import Saga, Service
from sagaline.seed_saga import topics
from sagaline.seed_saga.payment import api, audit, timeline
from sagaline.seed_saga.payment.fakes import FakePaymentUnitOfWork
from sagaline.seed_saga.payment.handlers import (
    PaymentRules,
    cancel_for_order,
    charge_for_order,
    decline_order,
    refund_after_failure,
)
from sagaline.seed_saga.payment.repository import PaymentUnitOfWork
from sagaline.seed_saga.payment.settings import PaymentSettings
from sagaline.seed_saga.payment.sql_repository import PostgresPaymentUnitOfWork


def parts(saga: Saga, settings: PaymentSettings, metrics: ServiceMetrics | None,
          chance: random.Random | None = None) -> Parts[PaymentUnitOfWork]:
    injected = RandomFailure(settings.payment_failure_rate, chance or random.Random())
    return Parts(
        sql_unit_of_work=PostgresPaymentUnitOfWork,
        dependencies={"rules": PaymentRules(Decimal(settings.starting_credit))},
        middleware={topics.ORDER_CREATED: lambda h: injected.around(h, refuse=decline_order)},
        routes=api.routes)


SERVICE = Service[PaymentUnitOfWork](
    name="payment", package="sagaline.seed_saga.payment",
    consumer_group="payment-service-group",
    consumes={
        topics.ORDER_CREATED: charge_for_order,
        topics.INVENTORY_FAILED: refund_after_failure,
        topics.ORDER_CANCELLED: cancel_for_order,
    },
    produces=(topics.PAYMENT_CHARGED, topics.PAYMENT_FAILED, topics.PAYMENT_REFUNDED),
    compensations=frozenset({topics.INVENTORY_FAILED,  # refund
                             topics.ORDER_CANCELLED}),  # refund or void
    settings=PaymentSettings, parts=parts, http_port=4002,
    audit=audit.AUDIT, timeline=timeline.TIMELINE,
    fake=FakePaymentUnitOfWork)

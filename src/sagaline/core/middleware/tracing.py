"""Middleware: a consumer span per handled event, its handler's span inside (see
observability.trace_messaging; nothing is recorded while tracing is off)."""

from __future__ import annotations

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.handler import Handler
from sagaline.core.observability import trace_messaging
from sagaline.core.postgres.unit_of_work import UnitOfWork


def traced(handler: Handler[UnitOfWork]) -> Handler[UnitOfWork]:
    def handle(event: Envelope, uow: UnitOfWork) -> None:
        with trace_messaging.batch().handling(event, handler):
            handler(event, uow)

    return handle

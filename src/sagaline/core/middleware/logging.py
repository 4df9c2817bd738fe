"""Middleware: the event's ids on every log line its handler writes (see observability.logs)."""

from __future__ import annotations

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.handler import Handler
from sagaline.core.observability import logs
from sagaline.core.postgres.unit_of_work import UnitOfWork


def logged(handler: Handler[UnitOfWork]) -> Handler[UnitOfWork]:
    def handle(event: Envelope, uow: UnitOfWork) -> None:
        with logs.bound(event_id=event.event_id, saga_id=event.correlation_id or event.key,
                        traceparent=event.traceparent):
            handler(event, uow)

    return handle

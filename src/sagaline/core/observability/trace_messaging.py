"""Spans of events on the wire: a producer span per relayed outbox row, a consumer span per
handled event with its handler's span inside.

Each parent is read from the event itself: the row's stored `traceparent` (the span that
emitted it) for the producer span, the message's header (the producer span) for the consumer
span. Never the ambient context: one relay batch or one consumer batch holds many sagas. With
tracing off, `sends()` and `receipts()` hand back shared do-nothing objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

from sagaline.core.messaging.envelope import H_CORRELATION_ID, H_EVENT_ID, H_TRACEPARENT, Envelope
from sagaline.core.messaging.publisher import Delivery
from sagaline.core.observability import tracing
from sagaline.core.outbox.store import OutboxRow


def _ns(moment: datetime) -> int:
    return int(moment.timestamp() * 1e9)


def _failed(span: Span, why: str) -> None:
    span.set_status(Status(StatusCode.ERROR, why))


class _Done:
    """Ends what is still open when the block is left (with an error when it raised)."""

    _open: list[Span]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for span in self._open:
            if exc is not None:
                _failed(span, f"{type(exc).__name__}: {exc}")
            span.end()
        self._open = []


class Sends(_Done):
    """The producer spans of one relay batch. A row's span starts when the row was written
    (so the time it waited in the outbox shows) and ends when the broker answered."""

    def __init__(self, tracer: Tracer, rows: Sequence[OutboxRow]) -> None:
        now = time.time_ns()
        self._by_row: dict[int, Span] = {}
        for row in rows:
            start = min(_ns(row.created_at), now) if row.created_at else now
            span = tracer.start_span(
                f"send {row.topic}", tracing.parent_context(row.headers.get(H_TRACEPARENT)),
                SpanKind.PRODUCER, attributes=_message_attributes(row.topic, row.headers, "send"),
                start_time=start)
            span.set_attribute("sagaline.outbox.row", row.id)
            span.add_event("read from the outbox", timestamp=now)
            self._by_row[row.id] = span
        self._open = list(self._by_row.values())

    def headers(self, row: OutboxRow) -> dict[str, str]:
        """The row's headers, its `traceparent` now naming its producer span."""
        sent_as = tracing.traceparent_of(self._by_row[row.id])
        return {**row.headers, H_TRACEPARENT: sent_as} if sent_as else row.headers

    def end(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            span = self._by_row.get(delivery.ref)
            if span is not None and span in self._open:
                if not delivery.ok:
                    _failed(span, delivery.error or "not acknowledged")
                span.end()
                self._open.remove(span)


class _NoSends:
    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def headers(self, row: OutboxRow) -> dict[str, str]:
        return row.headers

    def end(self, deliveries: Sequence[Delivery]) -> None:
        pass


_NO_SENDS = _NoSends()


def sends(rows: Sequence[OutboxRow]) -> Sends | _NoSends:
    found = tracing.tracer()
    return _NO_SENDS if found is None else Sends(found, rows)


class Receipts(_Done):
    """The consumer spans of one processed batch: each is ended when the batch's transaction
    is over (committed, or failed), so it covers the event's share of the commit."""

    def __init__(self, tracer: Tracer, consumer: str, compensations: Collection[str]) -> None:
        self._tracer = tracer
        self._consumer = consumer
        self._compensations = compensations
        self._open = []

    @contextmanager
    def handling(self, event: Envelope, handler: Callable[..., Any]) -> Iterator[None]:
        attributes = _message_attributes(event.topic, event.headers(), "process")
        attributes["messaging.consumer.group.name"] = self._consumer
        received = self._tracer.start_span(
            f"process {event.topic}", tracing.parent_context(event.traceparent),
            SpanKind.CONSUMER, attributes=attributes)
        self._open.append(received)
        with trace.use_span(received, end_on_exit=False, record_exception=False,
                            set_status_on_exception=False), \
                self._tracer.start_as_current_span(_name(handler), attributes={
                    "saga.compensation": event.topic in self._compensations}):
            yield


class _NoReceipts:
    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def handling(self, event: Envelope, handler: Callable[..., Any]) -> Any:
        return tracing.NO_SPAN


_NO_RECEIPTS = _NoReceipts()


# The receipts of the batch being processed on this thread, for the tracing middleware.
_BATCH: ContextVar[Receipts | _NoReceipts] = ContextVar("batch_receipts", default=_NO_RECEIPTS)


@contextmanager
def receipts(consumer: str, compensations: Collection[str] = ()
             ) -> Iterator[Receipts | _NoReceipts]:
    """The consumer spans of one batch, ended when the block is left; `batch()` gives them
    to the handlers' tracing middleware meanwhile."""
    found = tracing.tracer()
    with _NO_RECEIPTS if found is None else Receipts(found, consumer, compensations) as spans:
        token = _BATCH.set(spans)
        try:
            yield spans
        finally:
            _BATCH.reset(token)


def batch() -> Receipts | _NoReceipts:
    return _BATCH.get()


def _message_attributes(topic: str, headers: dict[str, str], operation: str) -> dict[str, Any]:
    return {"messaging.system": "kafka", "messaging.operation.type": operation,
            "messaging.destination.name": topic,
            "messaging.message.id": headers.get(H_EVENT_ID, ""),
            "saga.id": headers.get(H_CORRELATION_ID, "")}


def _name(handler: Callable[..., Any]) -> str:
    inner = getattr(handler, "func", handler)  # a handler with its dependencies bound
    return str(getattr(inner, "__name__", "handler"))

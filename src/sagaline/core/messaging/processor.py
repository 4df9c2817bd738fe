"""Handling events exactly once: dispatch to handlers inside one transaction with the inbox."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Generic, Protocol, TypeVar

from sagaline.core.messaging import inbox
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.handler import Handler as Handler  # re-exported
from sagaline.core.messaging.inbox import AlreadyDelivered
from sagaline.core.middleware import CORE, Middleware, chain
from sagaline.core.observability import trace_messaging
from sagaline.core.postgres.unit_of_work import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)


class Processor(Protocol):
    """Handles a batch of events in one transaction (see EventProcessor); what the consumer
    loop drives, so wrappers (core.faults) can stand in for it."""

    @property
    def consumer(self) -> str:
        """The consumer group, whose inbox records the events."""

    @property
    def topics(self) -> list[str]: ...

    def process(self, events: Sequence[Envelope]) -> int:
        """Handle and commit; returns how many were new. Raises if any handler raises."""


class EventProcessor(Generic[U]):
    """Runs the handler for each event, skipping events this consumer already handled.

    A batch is one transaction: the inbox marks, the handlers' writes and the events they emit
    commit together, or none of them does. So a redelivered event has no second effect, and a
    crash anywhere before the commit leaves nothing behind.

    The inbox marks are first claimed blind (no round trip of their own; see core.inbox). A
    batch holding a redelivered event then fails as a whole and runs again, this time asking
    the inbox first which events are new. The unit of work then reads ahead what the batch's
    handlers will look up (`UnitOfWork.preload`), queued with the claim.
    """

    def __init__(self, consumer: str, handlers: Mapping[str, Handler[U]],
                 unit_of_work: Callable[[], U], compensations: Collection[str] = (),
                 middleware: Sequence[Middleware[U]] = CORE) -> None:
        """`middleware` (handler -> handler, the first outermost) wraps every handler: by
        default the core's own (logging, tracing)."""
        self.consumer = consumer
        self.handlers = {topic: chain(h, middleware) for topic, h in handlers.items()}
        self.compensations = compensations  # marked as such on their handlers' spans
        self._unit_of_work = unit_of_work

    @property
    def topics(self) -> list[str]:
        return list(self.handlers)

    def process(self, events: Sequence[Envelope]) -> int:
        """Handle and commit; returns how many were new. Raises if any handler raises."""
        try:
            return self._handle(events, claim_blind=True)
        except AlreadyDelivered:  # a redelivery: some events of the batch were handled before
            return self._handle(events, claim_blind=False)

    def _handle(self, events: Sequence[Envelope], claim_blind: bool) -> int:
        # The spans (tracing on) end after the transaction, marked failed if it failed.
        with trace_messaging.receipts(self.consumer, self.compensations), \
                self._unit_of_work() as uow:
            if claim_blind:
                new = inbox.distinct(events)
                uow.claim_deliveries(self.consumer, new)
            else:
                new = uow.first_deliveries(self.consumer, events)
            uow.preload(new)  # the handlers' lookups, one statement each (set-based)
            for event in new:
                self.handlers[event.topic](event, uow)
            uow.commit()
        return len(new)


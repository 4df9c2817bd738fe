"""Handling events exactly once: dispatch to handlers inside one transaction with the inbox."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

from sagaline.core.envelope import Envelope
from sagaline.core.faults import FaultPoints
from sagaline.core.unit_of_work import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)
Handler = Callable[[Envelope, U], None]


class EventProcessor(Generic[U]):
    """Runs the handler for each event, skipping events this consumer already handled.

    A batch is one transaction: the inbox marks, the handlers' writes and the events they emit
    commit together, or none of them does. So a redelivered event has no second effect, and a
    crash anywhere before the commit leaves nothing behind.
    """

    def __init__(self, consumer: str, handlers: Mapping[str, Handler[U]],
                 unit_of_work: Callable[[], U], faults: FaultPoints | None = None) -> None:
        self.consumer = consumer
        self.faults = faults or FaultPoints()
        self.handlers = handlers
        self._unit_of_work = unit_of_work

    @property
    def topics(self) -> list[str]:
        return list(self.handlers)

    def process(self, events: Sequence[Envelope]) -> int:
        """Handle and commit; returns how many were new. Raises if any handler raises."""
        with self._unit_of_work() as uow:
            new = uow.first_deliveries(self.consumer, events)
            for event in new:
                self.handlers[event.topic](event, uow)
            self.faults.hit("consumer.before_commit")
            uow.commit()
        return len(new)

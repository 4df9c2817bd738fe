"""Middleware: a handler -> handler function that adds one concern around a handler, as in
watermill's router. The core's own (`CORE`) wrap every handler of every consumer: logging
(the event's ids on log lines) and tracing (its spans). Others wrap chosen handlers: the
chaos tier's fault points (faults), a step's injected failures (injected_failures), given by
the step's `parts`."""

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias, TypeVar

from sagaline.core.messaging.handler import Handler
from sagaline.core.middleware.logging import logged
from sagaline.core.middleware.tracing import traced
from sagaline.core.postgres.unit_of_work import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)
Middleware: TypeAlias = Callable[[Handler[U]], Handler[U]]
CORE: tuple[Middleware[Any], ...] = (logged, traced)


def chain(handler: Handler[U], middleware: Sequence[Middleware[U]]) -> Handler[U]:
    """`handler` inside `middleware`, the first outermost."""
    for wrap in reversed(middleware):
        handler = wrap(handler)
    return handler

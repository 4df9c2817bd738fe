"""Middleware: a handler -> handler function that adds one concern around a handler (fault
points, injected failures), as in watermill's router."""

from collections.abc import Callable
from typing import TypeAlias, TypeVar

from sagaline.core.messaging.processor import Handler
from sagaline.core.postgres.unit_of_work import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)
Middleware: TypeAlias = Callable[[Handler[U]], Handler[U]]

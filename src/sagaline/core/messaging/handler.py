"""A handler: a plain function of (event, unit of work) that does one step's work for one
event, inside the unit of work's transaction."""

from collections.abc import Callable
from typing import TypeAlias, TypeVar

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.postgres.unit_of_work import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)
Handler: TypeAlias = Callable[[Envelope, U], None]

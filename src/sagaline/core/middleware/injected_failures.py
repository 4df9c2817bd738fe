"""Failure injection for demos, as middleware: a share of the events a handler would decide
is refused at random instead (off by default, so the business rules stay deterministic;
`FAILURE_PRESET=seed` restores the seed demo's rates).

The handlers themselves know nothing of it. A service says how a step is refused (a plain
function (event, uow, reason), the same path a business refusal takes), and its bootstrap
wraps that step's handler:

    handlers[topics.ORDER_CREATED] = RandomFailure(0.25).around(
        handlers[topics.ORDER_CREATED], refuse=decline_order)
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.handler import Handler
from sagaline.core.postgres.unit_of_work import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)

INJECTED_FAILURE = "INJECTED_FAILURE"  # the reason a refused step announces

# How a step is refused: record the refusal with this reason and announce it.
Refusal = Callable[[Envelope, U, str], None]


@dataclass(frozen=True)
class RandomFailure:
    """Strikes with probability `rate` (0 never, 1 always); `chance` is the random source,
    seeded in tests."""

    rate: float = 0.0
    chance: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"a failure rate is a probability in [0, 1], not {self.rate!r}")

    def strikes(self) -> bool:
        return self.rate > 0 and self.chance.random() < self.rate

    def around(self, handler: Handler[U], refuse: Refusal[U]) -> Handler[U]:
        """Middleware: `handler`, except that when this failure strikes the event is
        refused with reason INJECTED_FAILURE instead. At rate 0 the handler is unchanged."""
        if self.rate == 0:
            return handler

        @functools.wraps(handler)
        def handle_or_refuse(event: Envelope, uow: U) -> None:
            if self.strikes():
                refuse(event, uow, INJECTED_FAILURE)
            else:
                handler(event, uow)

        return handle_or_refuse

"""Crashes at the core's fault points (sagaline.core.middleware.faults), in memory.

A real fault point exits the process. Here the point raises `Crash` instead, once, at the
place a `CrashAt` names, and the harness restarts the service from what survives a crash:
what its fake committed (repositories, inbox, outbox and its marks) and the consumer group's
committed offsets. What was not committed or acknowledged is lost, and comes again.

Which work a crash hits: at the consumer's points, a transaction that handles an event of
`topic` (its inbox marks say which events it handles); at the relay's points, a batch that
holds a row of `topic`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sagaline.core.middleware.faults import POINTS, FaultPoints
from sagaline.testing.unit_of_work import InMemoryUnitOfWork

CONSUMER_POINTS = tuple(p for p in POINTS if p.startswith("consumer."))
RELAY_POINTS = tuple(p for p in POINTS if p.startswith("relay."))


@dataclass(frozen=True)
class CrashAt:
    service: str
    point: str  # one of faults.POINTS
    topic: str  # consumer points: a topic it consumes; relay points: one it produces

    def __post_init__(self) -> None:
        if self.point not in POINTS:
            raise ValueError(f"unknown fault point {self.point!r}; known: {', '.join(POINTS)}")

    def __str__(self) -> str:
        return f"{self.service} at {self.point} on {self.topic}"


class Crash(BaseException):
    """Where the process would have died; a BaseException, as os._exit is not an error that
    the consumer's or the relay's error handling may catch."""

    def __init__(self, at: CrashAt) -> None:
        super().__init__(str(at))
        self.at = at


class CrashPoints(FaultPoints):
    """A service's fault points, all armed (so that the composition root puts every wrapper
    on), each a no-op unless `plan` names it. `topic_of`: an event id's topic."""

    def __init__(self, service: str, fake: InMemoryUnitOfWork,
                 topic_of: Callable[[str], str | None]) -> None:
        super().__init__(dict.fromkeys(POINTS, 1.0))
        self.service = service
        self.plan: CrashAt | None = None
        self.crashed: list[CrashAt] = []
        self._fake = fake
        self._topic_of = topic_of

    def hit(self, name: str) -> None:
        plan = self.plan
        if plan is not None and plan.point == name and plan.topic in self._topics_at(name):
            self.plan = None
            self.crashed.append(plan)
            raise Crash(plan)

    def _topics_at(self, name: str) -> set[str | None]:
        if name in RELAY_POINTS:
            return {row.topic for row in self._fake.outbox.claimed}
        # before the commit: the open transaction's marks; after it: the last commit's
        marks = self._fake.marks if name == "consumer.before_commit" else self._fake.last_marks
        return {self._topic_of(str(event_id)) for _, event_id in marks}

"""An in-memory unit of work: the base of a step's fake (its `Service.fake`).

Like the Postgres one, a transaction keeps all or nothing: on commit its emitted events go to
the unit of work's outbox (and to `committed`, for tests to read) and its inbox marks are
kept; on rollback the repositories registered with `keep` get back their state as of the
transaction's start. A repository keeps its rows in dicts, lists or sets of immutable records
(frozen dataclasses): those containers are what is saved and restored. State outside a
transaction (a fake written to without `with`) is simply kept.

One object stands for the whole database: every transaction of the service opens it again
(`unit_of_work=lambda: fake`), one at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

from sagaline.core.messaging import inbox
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.inbox import AlreadyDelivered
from sagaline.core.operator_log import Entry
from sagaline.core.outbox.port import SentEvent
from sagaline.testing.clock import VirtualClock
from sagaline.testing.outbox import InMemoryOutbox

R = TypeVar("R")
Mark = tuple[str, uuid.UUID]  # (consumer group, event id)


class InMemoryUnitOfWork:
    """`committed`: the events of committed transactions; `inbox`: the (consumer, event id)
    marks, shareable between units of work; `clock`: now, for repositories that stamp
    times (the harness puts its virtual clock here)."""

    def __init__(self, inbox: set[Mark] | None = None) -> None:
        self.inbox = inbox if inbox is not None else set()
        self.outbox = InMemoryOutbox()
        self.clock = VirtualClock()
        self.committed: list[Envelope] = []
        self.actions: list[Entry] = []  # the operator log: entries of committed transactions
        self.commits = 0
        self.preloaded: list[list[Envelope]] = []
        self.last_marks: frozenset[Mark] = frozenset()  # those of the last commit
        self._events: list[Envelope] = []
        self._actions: list[Entry] = []
        self._marks: set[Mark] = set()
        self._kept: list[object] = []
        self._saved: list[dict[str, Any]] | None = None

    def keep(self, repository: R) -> R:
        """Register a repository whose state a rollback restores; returns it."""
        self._kept.append(repository)
        return repository

    def __enter__(self) -> Self:
        self._events, self._actions, self._marks = [], [], set()
        self._saved = [{name: _copy(value) for name, value in vars(repo).items()}
                       for repo in self._kept]
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.rollback()

    @property
    def marks(self) -> frozenset[Mark]:
        """The inbox marks of the open transaction: the events it handles."""
        return frozenset(self._marks)

    def emit(self, event: Envelope) -> None:
        self._events.append(event)

    def claim_deliveries(self, consumer: str, events: Sequence[Envelope]) -> None:
        marks = {(consumer, e.event_id) for e in events}
        if marks & (self.inbox | self._marks):
            raise AlreadyDelivered(f"{consumer} handled one of these events before")
        self._marks |= marks

    def first_deliveries(self, consumer: str, events: Sequence[Envelope]) -> list[Envelope]:
        seen = self.inbox | self._marks
        new = {e.event_id for e in events if (consumer, e.event_id) not in seen}
        self._marks |= {(consumer, event_id) for event_id in new}
        return inbox.distinct(events, new)

    def sent(self, key: str, topic: str) -> SentEvent | None:
        return self.outbox.sent(key, topic)

    def log_action(self, entry: Entry) -> None:
        self._actions.append(entry)

    def preload(self, events: Sequence[Envelope]) -> None:
        """Records each batch it was told of (`preloaded`); nothing to read ahead in memory."""
        self.preloaded.append(list(events))

    def know_outcome(self) -> None:
        """Nothing to do: an in-memory commit cannot lose its connection."""

    def commit(self) -> None:
        self.outbox.append(self._events)
        self.committed.extend(self._events)
        self.actions.extend(self._actions)
        self.inbox |= self._marks
        self.last_marks = frozenset(self._marks)
        self.commits += 1
        self._events, self._actions, self._marks, self._saved = [], [], set(), None

    def rollback(self) -> None:
        if self._saved is not None:
            for repo, saved in zip(self._kept, self._saved, strict=True):
                vars(repo).update(saved)
        self._events, self._actions, self._marks, self._saved = [], [], set(), None


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, dict | list | set) else value

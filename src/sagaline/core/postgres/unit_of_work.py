"""The unit of work: one local transaction, with the outbox and the inbox inside it.

Everything done through a unit of work (repository writes, emitted events, inbox marks)
commits or rolls back together; that is what makes the outbox atomic and the consumer
idempotent. A unit of work is used by one thread for one transaction, as a context manager;
leaving the block without `commit()` rolls back. Services subclass these to add repositories.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Protocol, Self

import psycopg
from psycopg_pool import ConnectionPool

from sagaline.core import operator_log
from sagaline.core.messaging import inbox
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.inbox import AlreadyDelivered
from sagaline.core.operator_log import Entry
from sagaline.core.outbox import store as outbox
from sagaline.core.outbox.port import SentEvent
from sagaline.core.postgres import commit_outcome, db


class UnitOfWork(Protocol):
    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def emit(self, event: Envelope) -> None:
        """Queue an event; it is written to the outbox in this transaction."""

    def claim_deliveries(self, consumer: str, events: Sequence[Envelope]) -> None:
        """Record that `consumer` handles these events (distinct ids), betting that it never
        handled one before. If it did, the unit of work raises `AlreadyDelivered`: at once, at
        a later read, or at commit at the latest; nothing is kept."""

    def first_deliveries(self, consumer: str, events: Sequence[Envelope]) -> list[Envelope]:
        """Record that `consumer` handles these events; returns those it had not handled
        before, in order, each once (duplicates, also within `events`, are left out)."""
        ...

    def sent(self, key: str, topic: str) -> SentEvent | None:
        """The newest event this service wrote on `topic` for saga `key`, if its outbox still
        holds it (an operator's retry sends it again: `core.outbox.resend`)."""

    def log_action(self, entry: Entry) -> None:
        """Write an operator's action to the operator log, in this transaction: the entry is
        kept exactly when what the action changed is."""

    def preload(self, events: Sequence[Envelope]) -> None:
        """These events will be handled in this transaction: read ahead, in one statement per
        table and without waiting for the answer, what their handlers will look up
        (core.read_ahead). A hint; what the handlers find is the same either way."""

    def know_outcome(self) -> None:
        """Make sure `commit()` answers for certain, even if the connection is lost during
        COMMIT: it returns if the transaction committed, raises `NotCommitted` if it
        certainly did not, and `CommitOutcomeUnknown` only if that cannot be found out in
        time. For a transaction that writes what a client must not write twice (it may cost
        a round trip)."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


def _nothing() -> None:
    pass


class PostgresUnitOfWork:
    """A pooled connection, one transaction. `on_commit` runs after a commit that wrote events
    (the relay's wake-up).

    The transaction is a `db.PipelinedTransaction`: BEGIN, statements whose rows nobody reads
    and COMMIT share round trips. Repositories therefore read what they need with RETURNING
    and `fetch*()`, never `rowcount`; an error of an unread statement surfaces at the next
    fetch or at commit, and the whole unit of work rolls back as usual. After `commit()` or
    `rollback()` the unit of work is finished: open a new one for the next transaction.
    """

    outcome_wait_s = 5.0  # how long `know_outcome`'s commit waits for a lost COMMIT's end

    def __init__(self, pool: ConnectionPool, on_commit: Callable[[], None] = _nothing) -> None:
        self._pool = pool
        self._on_commit = on_commit
        self._events: list[Envelope] = []

    def __enter__(self) -> Self:
        self.conn: psycopg.Connection = self._pool.getconn()
        try:
            self._transaction = db.PipelinedTransaction(self.conn).__enter__()
        except BaseException:
            self._pool.putconn(self.conn)
            raise
        self._events = []
        self.bind(self.conn)
        return self

    def bind(self, conn: psycopg.Connection) -> None:
        """Subclasses create their repositories on `conn` here."""

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._events = []
        try:
            self._transaction.__exit__(exc_type, exc, tb)
        except psycopg.Error as error:  # an unread claim's failure, met on the way out
            _raise_if_claim_conflict(error)
            raise
        finally:
            self._pool.putconn(self.conn)
        if exc is not None:
            _raise_if_claim_conflict(exc)

    def emit(self, event: Envelope) -> None:
        self._events.append(event)

    def claim_deliveries(self, consumer: str, events: Sequence[Envelope]) -> None:
        inbox.claim(self.conn, consumer, events)

    def first_deliveries(self, consumer: str, events: Sequence[Envelope]) -> list[Envelope]:
        return inbox.first_deliveries(self.conn, consumer, events)

    def sent(self, key: str, topic: str) -> SentEvent | None:
        return outbox.sent(self.conn, key, topic)

    def log_action(self, entry: Entry) -> None:
        operator_log.insert(self.conn, entry)

    def preload(self, events: Sequence[Envelope]) -> None:
        """Subclasses whose handlers look rows up override this (nothing by default)."""

    def know_outcome(self) -> None:
        self._transaction.know_outcome()

    def commit(self) -> None:
        wrote_events = bool(self._events)
        if wrote_events:
            outbox.append(self.conn, self._events)
            self._events = []
        try:
            self._transaction.commit()
        except db.CommitOutcomeUnknown as unknown:  # returns only if it committed after all
            commit_outcome.settle(self._pool, unknown, self.outcome_wait_s)
        if wrote_events:
            self._on_commit()

    def rollback(self) -> None:
        self._events = []
        self._transaction.rollback()


def _raise_if_claim_conflict(error: BaseException) -> None:
    if inbox.is_claim_conflict(error):
        raise AlreadyDelivered(str(error)) from error


"""Rows read ahead for one transaction, by key: the identity map behind set-based handlers.

A consumer's batch names, in its events, the rows its handlers will look up. The unit of work
queues one statement for all of them (`UnitOfWork.preload`) right after the inbox claim, so in
pipeline mode it shares that round trip, and each handler's lookup is answered from here
instead of costing a round trip of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable
from typing import Generic, TypeVar

import psycopg

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


class ReadAhead(Generic[K, R]):
    """What queued statements answered for sets of keys. A statement's rows are read when a
    lookup first needs them; a key it did not return is known to be absent.

    A write of a key through the repository must `forget` it, so that the next lookup asks the
    database, which sees the write, or `remember` what the row now holds. What it answers is as
    of the read: a row that another transaction commits after it is not seen, as if the lookup
    had come first (a competing writer then meets this transaction at a unique key or a row
    lock, as it would have). A statement that locks its rows (FOR UPDATE) keeps those rows as
    read until the commit, apart from this transaction's own writes.
    """

    def __init__(self, key_of: Callable[[R], K]) -> None:
        self._key_of = key_of
        self._known: dict[K, R | None] = {}
        # Per queued statement: its keys, its cursor, and keys forgotten since it was queued.
        self._queued: list[tuple[list[K], psycopg.Cursor[R], set[K]]] = []

    def queue(self, keys: Collection[K], cursor: psycopg.Cursor[R]) -> None:
        """`cursor` has executed (not yet answered) a statement returning the rows of `keys`
        that exist."""
        self._queued.append((list(keys), cursor, set()))

    def lookup(self, key: K) -> tuple[bool, R | None]:
        """(True, the row or None when absent) if `key` was read ahead and not forgotten;
        (False, None) if the caller must ask the database."""
        self._read_queued()
        if key in self._known:
            return True, self._known[key]
        return False, None

    def forget(self, key: K) -> None:
        """`key` was written: answer it no more (also not from a statement still queued)."""
        self._known.pop(key, None)
        self._supersede(key)

    def remember(self, key: K, row: R) -> None:
        """`key` was written and now holds `row` (known only for a row this transaction has
        locked: see the class)."""
        self._known[key] = row
        self._supersede(key)

    def _supersede(self, key: K) -> None:
        for _, _, forgotten in self._queued:
            forgotten.add(key)

    def _read_queued(self) -> None:
        while self._queued:
            keys, cursor, forgotten = self._queued.pop(0)
            found = {self._key_of(row): row for row in cursor.fetchall()}
            for key in keys:
                if key not in forgotten:
                    self._known[key] = found.get(key)

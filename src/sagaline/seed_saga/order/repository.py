"""Order's storage: the orders table, behind the `Orders` interface."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from sagaline.core.postgres.unit_of_work import PostgresUnitOfWork, UnitOfWork
from sagaline.core.status_machine import StatusMachine
from sagaline.seed_saga.order.status import OrderStatus


@dataclass(frozen=True)
class Order:
    order_id: uuid.UUID
    user_id: str
    total_amount: Decimal
    status: str = OrderStatus.PENDING
    reason: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    idempotency_key: str | None = None
    request_hash: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    traceparent: str | None = None  # the saga's trace, for what the deadline does


class Orders(Protocol):
    """The orders of one unit of work (see tests/integration/services: one contract suite for
    the SQL repository and the tests' fake)."""

    def add(self, order: Order) -> bool:
        """Insert; False (and nothing written) when another order already holds its
        idempotency key. An order id that exists already is an error."""
        ...

    def get(self, order_id: uuid.UUID) -> Order | None: ...

    def by_idempotency_key(self, key: str) -> Order | None: ...

    def locked(self, order_id: uuid.UUID) -> Order | None:
        """The order, locked until this unit of work ends (no outcome moves it meanwhile)."""
        ...

    def newest(self, status: str | None, limit: int) -> list[Order]:
        """Up to `limit` orders, newest first; only those in `status` unless it is None."""
        ...

    def overdue(self, older_than_s: float, limit: int) -> list[Order]:
        """Up to `limit` orders not final and created more than `older_than_s` ago, oldest
        first, locked for this unit of work; rows another unit of work holds are skipped."""
        ...

    def move(self, order_id: uuid.UUID, to: str, reason: str | None,
             allowed_from: Collection[str]) -> None:
        """Set the status if the order is in one of `allowed_from` (else leave it as it is);
        a reason once set stays; `finished_at` is set when `to` is final."""

    def in_flight(self) -> tuple[int, float]:
        """How many orders are not final, and the age in seconds of the oldest (0: none)."""
        ...


class Finished(NamedTuple):
    """An order that became final, for the saga metrics."""

    status: str
    reason: str | None
    seconds: float  # from placed to final


class OrderUnitOfWork(UnitOfWork, Protocol):
    """What order's handlers work with: a unit of work holding the orders."""

    @property
    def orders(self) -> Orders: ...


_SELECT = (
    "SELECT order_id, user_id, total_amount, status, reason, items, idempotency_key,"
    " request_hash, created_at, updated_at, finished_at, traceparent FROM orders"
)


_OUTCOME = " RETURNING status, reason, EXTRACT(EPOCH FROM finished_at - created_at)::float8"


class SqlOrders:
    def __init__(self, conn: psycopg.Connection, statuses: StatusMachine) -> None:
        self._conn = conn
        self._statuses = statuses
        self._finishing: list[psycopg.Cursor[Any]] = []

    def add(self, order: Order) -> bool:
        cur = self._conn.execute(
            "INSERT INTO orders (order_id, user_id, total_amount, status, items,"
            " idempotency_key, request_hash, traceparent)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (idempotency_key) DO NOTHING RETURNING true",
            (order.order_id, order.user_id, order.total_amount, order.status,
             Jsonb(order.items), order.idempotency_key, order.request_hash,
             order.traceparent))
        if order.idempotency_key is None:
            # Nothing to conflict with (a new id, no key): the answer is not awaited, so a
            # batch of such orders shares one round trip (pipeline mode); an error shows at
            # commit.
            return True
        return cur.fetchone() is not None

    def get(self, order_id: uuid.UUID) -> Order | None:
        with self._conn.cursor(row_factory=class_row(Order)) as cur:
            return cur.execute(_SELECT + " WHERE order_id = %s", (order_id,)).fetchone()

    def locked(self, order_id: uuid.UUID) -> Order | None:
        with self._conn.cursor(row_factory=class_row(Order)) as cur:
            return cur.execute(_SELECT + " WHERE order_id = %s FOR UPDATE",
                               (order_id,)).fetchone()

    def by_idempotency_key(self, key: str) -> Order | None:
        with self._conn.cursor(row_factory=class_row(Order)) as cur:
            return cur.execute(_SELECT + " WHERE idempotency_key = %s", (key,)).fetchone()

    def newest(self, status: str | None, limit: int) -> list[Order]:
        with self._conn.cursor(row_factory=class_row(Order)) as cur:
            return cur.execute(
                _SELECT + " WHERE %(status)s::text IS NULL OR status = %(status)s"
                " ORDER BY created_at DESC LIMIT %(limit)s",
                {"status": status, "limit": limit}).fetchall()

    def overdue(self, older_than_s: float, limit: int) -> list[Order]:
        # Rows another replica is cancelling right now are skipped: each is cancelled once.
        with self._conn.cursor(row_factory=class_row(Order)) as cur:
            return cur.execute(
                _SELECT + " WHERE status = ANY(%s)"
                " AND created_at < clock_timestamp() - make_interval(secs => %s)"
                " ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED",
                (list(self._statuses.not_final), older_than_s, limit)).fetchall()

    def move(self, order_id: uuid.UUID, to: str, reason: str | None,
             allowed_from: Collection[str]) -> None:
        # Nothing is read before the commit, so the statement shares a round trip; a move to
        # a final status returns the saga's outcome, read after the commit (`finished`).
        final = to in self._statuses.final
        cursor = self._conn.execute(
            "UPDATE orders SET status = %s, reason = COALESCE(reason, %s),"
            " updated_at = clock_timestamp(),"
            " finished_at = CASE WHEN %s THEN clock_timestamp() END"
            " WHERE order_id = %s AND status = ANY(%s)" + (_OUTCOME if final else ""),
            (to, reason, final, order_id, list(allowed_from)))
        if final:
            self._finishing.append(cursor)

    def finished(self) -> list[Finished]:
        """Orders this transaction made final; call after the commit (no round trip)."""
        return [Finished(*row) for cursor in self._finishing for row in cursor.fetchall()]

    def in_flight(self) -> tuple[int, float]:
        row = self._conn.execute(
            "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)),"
            " 0) FROM orders WHERE status = ANY(%s)", (list(self._statuses.not_final),)).fetchone()
        assert row is not None  # an aggregate always returns a row
        return int(row[0]), float(row[1])


class PostgresOrderUnitOfWork(PostgresUnitOfWork):
    """`on_finished` hears of each order its commits made final (the saga metrics)."""

    orders: SqlOrders

    def __init__(self, pool: ConnectionPool, statuses: StatusMachine,
                 on_commit: Callable[[], None] = lambda: None,
                 on_finished: Callable[[Finished], None] | None = None) -> None:
        super().__init__(pool, on_commit)
        self._statuses = statuses
        self._on_finished = on_finished

    def bind(self, conn: psycopg.Connection) -> None:
        self.orders = SqlOrders(conn, self._statuses)

    def commit(self) -> None:
        super().commit()
        if self._on_finished is not None:
            for outcome in self.orders.finished():
                self._on_finished(outcome)

"""Prototype, measured and dropped (docs/performance.md, "Tried, measured, not kept"): order's
group commit on the event loop, with psycopg's AsyncConnectionPool in pipeline mode, instead
of a hop to a worker thread per batch. `install(dsn)` swaps it into services.order.api
before the app is built.

Only what the benchmark needs: orders without an Idempotency-Key, no error handling, no
unknown-COMMIT lookup. `place_order` runs unchanged against a unit of work that records its
writes, which are then sent in one pipelined transaction; so the CPU it shows is a lower
bound for a complete async path.
"""

from __future__ import annotations

import asyncio
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from sagaline.core.messaging.envelope import Envelope, dumps
from sagaline.core.outbox import store as outbox
from sagaline.seed_saga.order import api
from sagaline.seed_saga.order.repository import Order

_INSERT_ORDER = (
    "INSERT INTO orders (order_id, user_id, total_amount, status, items, idempotency_key,"
    " request_hash, traceparent) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (idempotency_key) DO NOTHING RETURNING true")


class RecordingUnitOfWork:
    """Records `place_order`'s writes (as `SqlOrders.add` would send them, unread)."""

    def __init__(self) -> None:
        self.added: list[Order] = []
        self.events: list[Envelope] = []
        self.orders = self

    def add(self, order: Order) -> bool:
        self.added.append(order)
        return True

    def emit(self, event: Envelope) -> None:
        self.events.append(event)


class AsyncGroupCommit:
    """`core.group_commit.GroupCommit`'s queue, with each batch sent from the event loop."""

    pool: AsyncConnectionPool | None = None
    dsn = ""

    def __init__(self, handle: Any, unit_of_work: Any, max_batch: int = 200,
                 settle: Any = None) -> None:
        self._handle = handle
        self._max_batch = max_batch
        self._queue: list[tuple[Any, asyncio.Future[Any]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, command: Any) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.append((command, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[:self._max_batch]
            del self._queue[:self._max_batch]
            await self._run(batch)

    async def _run(self, batch: list[tuple[Any, asyncio.Future[Any]]]) -> None:
        if AsyncGroupCommit.pool is None:  # opened on the loop that uses it
            AsyncGroupCommit.pool = AsyncConnectionPool(
                self.dsn, min_size=1, max_size=2, open=False, kwargs={"autocommit": True})
            await AsyncGroupCommit.pool.open(wait=True)
        uow = RecordingUnitOfWork()
        results = [self._handle(command, uow) for command, _ in batch]
        async with AsyncGroupCommit.pool.connection() as conn, conn.pipeline():
            await conn.execute("BEGIN")
            for o in uow.added:
                await conn.execute(_INSERT_ORDER, (
                    o.order_id, o.user_id, o.total_amount, o.status, Jsonb(o.items),
                    o.idempotency_key, o.request_hash, o.traceparent))
            events = uow.events
            await conn.execute(outbox._INSERT, (
                [e.event_id for e in events], [e.topic for e in events],
                [e.key for e in events], [e.value().decode() for e in events],
                [dumps(e.headers()).decode() for e in events]))
            await conn.execute("COMMIT")
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)


def install(dsn: str) -> None:
    AsyncGroupCommit.dsn = dsn
    api.GroupCommit = AsyncGroupCommit  # type: ignore[misc,assignment]

"""What the order step adds to the auditor: it owns the saga's record, so the auditor reads
the orders (one per saga, with its status and timing) through it. The other steps compare
their records with an order's total and items (`OrderRow`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

from sagaline.audit.findings import Value, plain
from sagaline.audit.read_db import SINCE, stream
from sagaline.audit.step import OwnerAudit

Items = list[dict[str, Any]]  # [{"sku": ..., "quantity": ...}]


@dataclass(frozen=True)
class OrderRow:
    """An order as the auditor reads it (a `SagaRecord`): ages in seconds by the database's
    clock."""

    order_id: str
    user_id: str
    total_amount: Decimal
    status: str
    items: Items
    age_s: float  # since created_at
    finished_age_s: float | None = None  # since finished_at, None while not final

    @property
    def saga_id(self) -> str:
        return self.order_id

    def identity(self) -> dict[str, Value]:
        return {"user_id": self.user_id}

    def facts(self) -> dict[str, Value]:
        return {"total_amount": plain(self.total_amount)}


QUERY = ("SELECT order_id::text, user_id, total_amount, status, items,"
         " extract(epoch FROM now() - created_at)::float8,"
         " extract(epoch FROM now() - finished_at)::float8"
         f" FROM orders WHERE {SINCE}")
# In saga-id order: the uuid column's (its primary key's), which is its text's bytewise.
BY_KEY = QUERY + " ORDER BY orders.order_id"  # the column: "order_id" alone is the text
# Those that may have changed since: read by two indexes, whatever the history's length.
CHANGED = QUERY.replace(f"WHERE {SINCE}", "WHERE status = ANY(%(not_final)s)"
                        " OR finished_at >= %(finished)s")


class OrderAudit:
    """The owner's audit (`OwnerAudit`): the orders table."""

    noun = "order"
    plural = "orders"

    def sagas(self, conn: psycopg.Connection, since: datetime | None) -> list[OrderRow]:
        rows = conn.execute(QUERY, {"since": since}).fetchall()
        return [OrderRow(*row) for row in rows]

    def sagas_by_key(self, conn: psycopg.Connection, since: datetime | None
                     ) -> Iterator[OrderRow]:
        for row in stream(conn, BY_KEY, {"since": since}):
            yield OrderRow(*row)

    def sagas_changed(self, conn: psycopg.Connection, not_final: Sequence[str],
                      finished_since: datetime) -> Iterator[OrderRow]:
        """In flight (orders_status_created) or finished since (orders_finished_at)."""
        for row in stream(conn, CHANGED, {"not_final": list(not_final),
                                          "finished": finished_since}):
            yield OrderRow(*row)

    def existing(self, conn: psycopg.Connection, saga_ids: set[str]) -> set[str]:
        """Which of `saga_ids` are orders (ids that are not UUIDs never are)."""
        uuids = [i for i in saga_ids if _is_uuid(i)]
        if not uuids:
            return set()
        rows = conn.execute("SELECT order_id::text FROM orders"
                            " WHERE order_id = ANY(%s::uuid[])", (uuids,)).fetchall()
        return {row[0] for row in rows}


AUDIT: OwnerAudit = OrderAudit()


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True

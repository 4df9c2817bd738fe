"""The payment and inventory rows of one order: the timeline's steps once the outbox rows
that recorded them have been purged (OUTBOX_RETENTION_S)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row


def _epoch(column: str) -> str:
    return f"extract(epoch FROM {column})::float8 AS {column}"


def payment(conn: psycopg.Connection, order_id: str) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT status, reason, {_epoch('created_at')}, {_epoch('refunded_at')}"
            " FROM payments WHERE order_id = %s", (order_id,)).fetchone()


def reservation(conn: psycopg.Connection, order_id: str) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT status, reason, {_epoch('created_at')}, {_epoch('released_at')}"
            " FROM reservations WHERE order_id = %s", (order_id,)).fetchone()

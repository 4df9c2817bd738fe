"""What the dashboard reads from the core's own tables (outbox, inbox), in any service's
database. Bounded by the outbox's partial indexes (pending; published_at) and the inbox key."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg.rows import dict_row

_PENDING = "NOT published AND failed_at IS NULL"  # the outbox_pending index's predicate
# Scans of the pending rows stop here: a backlog past it is shown as "10000+".
PENDING_CAP = 10_000


def backlog(conn: psycopg.Connection) -> dict[str, Any]:
    """Pending outbox rows (capped) and the age in seconds of the oldest: one statement."""
    row = conn.execute(
        "SELECT count(*), extract(epoch FROM now() - min(created_at))::float8 FROM"
        f" (SELECT created_at FROM outbox WHERE {_PENDING} ORDER BY id LIMIT %s) p",
        (PENDING_CAP,)).fetchone()
    return {"pending": int(row[0]) if row else 0, "oldest_s": row[1] if row else None}


def pending_for(conn: psycopg.Connection, keys: list[str]) -> dict[str, float]:
    """Of `keys`, those with an unpublished outbox row (among the oldest PENDING_CAP pending
    rows): key -> age in seconds of its oldest such row. No keys: no query."""
    if not keys:
        return {}
    rows = conn.execute(
        "SELECT msg_key, max(age) FROM (SELECT msg_key, extract(epoch FROM now() - created_at)"
        f"::float8 AS age FROM outbox WHERE {_PENDING} ORDER BY id LIMIT %s) p"
        " WHERE msg_key = ANY(%s) GROUP BY msg_key", (PENDING_CAP, keys)).fetchall()
    return {key: age for key, age in rows}


def saga_events(conn: psycopg.Connection, key: str, since: float,
                until: float) -> list[dict[str, Any]]:
    """The outbox rows with Kafka key `key`: published between `since` and `until` (epoch
    seconds; the published_at index bounds the scan) or still pending."""
    columns = ("topic, event_id, extract(epoch FROM created_at)::float8 AS created_at,"
               " extract(epoch FROM published_at)::float8 AS published_at")
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT {columns} FROM outbox WHERE published AND msg_key = %(key)s"
            " AND published_at BETWEEN to_timestamp(%(since)s) AND to_timestamp(%(until)s)"
            f" UNION ALL SELECT {columns} FROM outbox WHERE {_PENDING} AND msg_key = %(key)s"
            " ORDER BY created_at",
            {"key": key, "since": since, "until": until}).fetchall()


def handled_at(conn: psycopg.Connection, consumer: str,
               event_ids: list[uuid.UUID]) -> dict[uuid.UUID, float]:
    """When `consumer` handled each of `event_ids` (those it has, by the inbox's key)."""
    rows = conn.execute(
        "SELECT event_id, extract(epoch FROM handled_at)::float8 FROM inbox"
        " WHERE consumer = %s AND event_id = ANY(%s)", (consumer, event_ids)).fetchall()
    return {event_id: at for event_id, at in rows}

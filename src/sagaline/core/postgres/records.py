"""One record per saga: the row a step keeps for each saga it took part in (a shipment, a
booking), with its status, the reason for it, and the step's own fields as JSON.

The same repository serves any step: the step names its table and creates it with
`table_sql(name)` in its first migration. A second record for the same saga is an error
(the primary key), which rolls back the unit of work: how two replicas deciding one saga at
once end with one decision. The fake (sagaline.testing.records) keeps the same contract.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import psycopg
from psycopg import sql
from psycopg.rows import class_row
from psycopg.types.json import Jsonb


@dataclass(frozen=True)
class Record:
    saga_id: uuid.UUID
    status: str
    reason: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Records(Protocol):
    def add(self, record: Record) -> None:
        """Insert; a record for the same saga already there is an error."""

    def get(self, saga_id: uuid.UUID, for_update: bool = False) -> Record | None:
        """The saga's record; `for_update` also locks it for this unit of work."""

    def move(self, saga_id: uuid.UUID, status: str, reason: str | None = None) -> None:
        """Set the status (and the reason, if given) of an existing record."""


def table_sql(table: str) -> str:
    """The table of a step's records, for its first migration."""
    return (f"CREATE TABLE IF NOT EXISTS {table} ("
            " saga_id uuid PRIMARY KEY, status text NOT NULL, reason text,"
            " data jsonb NOT NULL DEFAULT '{}',"
            " created_at timestamptz NOT NULL DEFAULT clock_timestamp(),"
            " updated_at timestamptz NOT NULL DEFAULT clock_timestamp())")


class SqlRecords:
    def __init__(self, conn: psycopg.Connection, table: str) -> None:
        self._conn = conn
        self._table = sql.Identifier(table)

    def add(self, record: Record) -> None:
        self._conn.execute(sql.SQL(
            "INSERT INTO {} (saga_id, status, reason, data) VALUES (%s, %s, %s, %s)").format(
            self._table), (record.saga_id, record.status, record.reason, Jsonb(record.data)))

    def get(self, saga_id: uuid.UUID, for_update: bool = False) -> Record | None:
        query = sql.SQL("SELECT saga_id, status, reason, data, created_at, updated_at"
                        " FROM {} WHERE saga_id = %s" + (" FOR UPDATE" if for_update else ""))
        with self._conn.cursor(row_factory=class_row(Record)) as cur:
            return cur.execute(query.format(self._table), (saga_id,)).fetchone()

    def move(self, saga_id: uuid.UUID, status: str, reason: str | None = None) -> None:
        self._conn.execute(sql.SQL(
            "UPDATE {} SET status = %s, reason = COALESCE(%s, reason),"
            " updated_at = clock_timestamp() WHERE saga_id = %s").format(self._table),
            (status, reason, saga_id))

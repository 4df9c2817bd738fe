"""The audit of a step that keeps one record per saga on the core's `Records`
(core.postgres.records): which statuses a successful saga's record must have, and which a
cancelled one's may have once settled. A step adds its books by subclassing."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from sagaline.audit.findings import Finding, Value
from sagaline.audit.read_db import SINCE, stream, widened
from sagaline.audit.step import Breach, Names, SagaRecord


@dataclass(frozen=True)
class RecordRow:
    saga_id: str
    status: str
    reason: str | None

    def describe(self) -> str:
        return self.status + (f" ({self.reason})" if self.reason else "")

    def facts(self) -> dict[str, Value]:
        return {"status": self.status}


class RecordsAudit:
    """A `StepAudit`: `succeeded` are the statuses a successful saga's record may have;
    `undone` those a cancelled one's may have once settled (no record is fine too)."""

    def __init__(self, table: str, names: Names, succeeded: Collection[str],
                 undone: Collection[str]) -> None:
        self.table, self.names = table, names
        self.succeeded, self.undone = frozenset(succeeded), frozenset(undone)

    def records(self, conn: psycopg.Connection, since: datetime | None) -> list[RecordRow]:
        query = sql.SQL("SELECT saga_id::text, status, reason FROM {} WHERE " + SINCE)
        rows = conn.execute(query.format(sql.Identifier(self.table)),
                            {"since": widened(since)}).fetchall()
        return [RecordRow(*row) for row in rows]

    def records_by_key(self, conn: psycopg.Connection, since: datetime | None
                       ) -> Iterator[RecordRow]:
        for row in stream(conn, self.by_key_query(), {"since": widened(since)}):
            yield RecordRow(*row)

    def by_key_query(self) -> sql.Composed:
        """Its records in saga-id order. saga_id is a uuid (core.postgres.records), whose
        order is its text's, bytewise; ordered by the column (the primary key's order, no
        sort), not by the select list's text of it."""
        return sql.SQL("SELECT saga_id::text, status, reason FROM {table} WHERE " + SINCE
                       + " ORDER BY {table}.saga_id").format(table=sql.Identifier(self.table))

    def records_of(self, conn: psycopg.Connection, saga_ids: Sequence[str]) -> list[RecordRow]:
        uuids = [i for i in saga_ids if is_uuid(i)]  # saga_id is a uuid: no other id has one
        query = sql.SQL("SELECT saga_id::text, status, reason FROM {}"
                        " WHERE saga_id = ANY(%s::uuid[])").format(sql.Identifier(self.table))
        return [RecordRow(*row) for row in conn.execute(query, (uuids,))] if uuids else []

    def books(self, conn: psycopg.Connection) -> Sequence[Any]:
        return []

    def when_succeeded(self, saga: SagaRecord, record: RecordRow | None) -> list[Breach]:
        if record is not None and record.status in self.succeeded:
            return []
        return [Breach(f"not-{self.names.record}", f"{self.names.record} "
                       f"{record.describe() if record else 'absent'}",
                       {self.names.record: record.status if record else None})]

    def when_cancelled(self, saga: SagaRecord, record: RecordRow | None) -> list[Breach]:
        if record is None or record.status in self.undone:
            return []
        return [Breach(f"but-{self.names.record}", f"compensation not done: "
                       f"{self.names.record} {record.describe()}",
                       {self.names.record: record.status})]

    def book_problems(self, books: Sequence[Any]) -> list[Finding]:
        return []


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True

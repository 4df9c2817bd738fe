"""The in-memory `Records` (one record per saga), with the SQL adapter's contract: a second
record for the same saga raises psycopg's UniqueViolation, as the primary key does."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

from psycopg import errors

from sagaline.core.postgres.records import Record


class FakeRecords:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Record] = {}

    def add(self, record: Record) -> None:
        if record.saga_id in self.rows:
            raise errors.UniqueViolation(f"a record for saga {record.saga_id} exists")
        now = datetime.now(UTC)
        self.rows[record.saga_id] = dataclasses.replace(record, created_at=now, updated_at=now)

    def get(self, saga_id: uuid.UUID, for_update: bool = False) -> Record | None:
        return self.rows.get(saga_id)

    def move(self, saga_id: uuid.UUID, status: str, reason: str | None = None) -> None:
        if (record := self.rows.get(saga_id)) is not None:
            self.rows[saga_id] = dataclasses.replace(
                record, status=status, reason=reason or record.reason,
                updated_at=datetime.now(UTC))

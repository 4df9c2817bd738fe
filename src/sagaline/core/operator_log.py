"""The operator log: every action an operator takes on a saga or a dead letter, kept in the
database of the service it acted on (`core/sql/002_operator_log.sql`, append-only). An
action that changes the service's own rows writes its entry in the same transaction
(`UnitOfWork.log_action`); one that acts elsewhere (a replay to Kafka) writes it when done.

An entry says who, what, why, when, the result and the sagas touched. It is written when the
action ends, also when it failed or was interrupted halfway (then `result` says what was done
and what was not). `entries` reads it back, newest first, for one saga or all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import psycopg
from psycopg.types.json import Jsonb


@dataclass(frozen=True)
class Entry:
    operator: str
    action: str  # e.g. "dlq.replay", "dlq.discard", "saga.cancel"
    reason: str
    result: str
    sagas: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None  # set by the log when written
    service: str = ""  # whose log holds it; set when read

    def as_row(self) -> dict[str, Any]:
        return {"at": self.at.isoformat() if self.at else None, "service": self.service,
                "operator": self.operator, "action": self.action, "reason": self.reason,
                "result": self.result, "sagas": list(self.sagas), "detail": self.detail}


class OperatorLog(Protocol):
    def append(self, entry: Entry) -> None: ...

    def entries(self, saga: str | None = None, limit: int = 100) -> list[Entry]: ...


def insert(conn: psycopg.Connection, entry: Entry) -> None:
    """Write `entry` in the connection's open transaction."""
    conn.execute("INSERT INTO operator_log (operator, action, reason, result, sagas, detail)"
                 " VALUES (%s, %s, %s, %s, %s, %s)",
                 (entry.operator, entry.action, entry.reason, entry.result, list(entry.sagas),
                  Jsonb(entry.detail)))


class SqlOperatorLog:
    """One service's log, on a connection to its database (autocommit or not: each append
    commits on its own)."""

    def __init__(self, conn: psycopg.Connection, service: str) -> None:
        self._conn = conn
        self.service = service

    def append(self, entry: Entry) -> None:
        with self._conn.transaction():
            insert(self._conn, entry)

    def entries(self, saga: str | None = None, limit: int = 100) -> list[Entry]:
        where, args = ("WHERE sagas @> ARRAY[%s]", [saga]) if saga else ("", [])
        rows = self._conn.execute(
            "SELECT operator, action, reason, result, sagas, detail, at FROM operator_log "
            f"{where} ORDER BY id DESC LIMIT %s", [*args, limit]).fetchall()
        return [Entry(operator=op, action=action, reason=reason, result=result,
                      sagas=tuple(sagas), detail=detail, at=at, service=self.service)
                for op, action, reason, result, sagas, detail, at in rows]


def newest_first(logs: Sequence[Sequence[Entry]], limit: int) -> list[Entry]:
    """Several services' entries as one list, newest first."""
    merged = [e for entries in logs for e in entries]
    merged.sort(key=lambda e: e.at.timestamp() if e.at else 0.0, reverse=True)
    return merged[:limit]

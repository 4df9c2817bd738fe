"""What a step adds to the dashboard's timeline, from its own folder (`Service.timeline`).

The dashboard draws every event by itself, from the outboxes (committed, published) and the
inboxes (handled). A step's `StepTimeline` adds what only the step knows: how to read its own
record of one saga from its database, the rows that record makes (its outcome with its own
timestamps, still there once the outbox rows are purged after OUTBOX_RETENTION_S), and which
of its events undo an earlier step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg
from psycopg.rows import dict_row

# How the page draws a row: an event committed, published or handled, a compensation, the
# deadline, the saga placed or final, or a step's record (its own row, not an event).
KINDS = ("placed", "commit", "publish", "handle", "compensation", "deadline", "final", "record")


@dataclass(frozen=True)
class Step:
    """One row of a saga's timeline, in the lane of `service`."""

    at: float  # epoch seconds
    service: str
    kind: str  # one of KINDS
    label: str
    topic: str | None = None
    expected: bool = False  # a row that has not happened yet (the deadline)


@dataclass(frozen=True)
class Seen:
    """What the timeline already draws of one step's events for this saga: the topics of
    its events the outbox still holds."""

    service: str
    in_outbox: frozenset[str]


class StepTimeline(Protocol):
    @property
    def kinds(self) -> Mapping[str, str]:
        """Of the step's own topics, those drawn as other than a plain commit: topic ->
        "compensation" (it undoes an earlier step) or "deadline"."""

    def read(self, conn: psycopg.Connection, saga_id: str) -> Mapping[str, Any] | None:
        """The step's record of saga `saga_id` in its own database (a read-only
        transaction), epoch seconds for times; None when it has none."""

    def rows(self, record: Mapping[str, Any], seen: Seen) -> list[Step]:
        """The timeline rows `record` makes (in the lane of `seen.service`)."""


def epoch(column: str) -> str:
    """A timestamp column as epoch seconds, under its own name."""
    return f"extract(epoch FROM {column})::float8 AS {column}"


def one_row(conn: psycopg.Connection, query: str, saga_id: str) -> dict[str, Any] | None:
    """The one row `query` finds for the saga (its only parameter), as a dict."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, (saga_id,)).fetchone()


def record_rows(record: Mapping[str, Any], seen: Seen, *, undone_at: str,
                undo_topic: str) -> list[Step]:
    """The rows of a step that keeps one record per saga (`status`, `reason`, `created_at`
    and an `undone_at` time once undone): its outcome when the outbox holds none of its
    events but the undoing one, and its undoing when the outbox no longer holds
    `undo_topic`'s event."""
    label = f"{seen.service} {str(record['status']).lower()} (from its row)"
    steps = []
    if not seen.in_outbox - {undo_topic}:
        steps.append(Step(record["created_at"], seen.service, "record", label))
    if record[undone_at] is not None and undo_topic not in seen.in_outbox:
        steps.append(Step(record[undone_at], seen.service, "compensation", label))
    return steps


@dataclass(frozen=True)
class RecordTimeline:
    """The `StepTimeline` of a step that keeps one record per saga in `table` (keyed by
    `key`, with `status`, `reason`, `created_at`, and `undone_at` once an `undo_topic` event
    undid it): its record's rows (`record_rows`), its undoing drawn as a compensation."""

    table: str
    key: str
    undone_at: str
    undo_topic: str

    @property
    def kinds(self) -> Mapping[str, str]:
        return {self.undo_topic: "compensation"}

    def read(self, conn: psycopg.Connection, saga_id: str) -> dict[str, Any] | None:
        return one_row(conn, f"SELECT status, reason, {epoch('created_at')},"
                             f" {epoch(self.undone_at)} FROM {self.table}"
                             f" WHERE {self.key} = %s", saga_id)

    def rows(self, record: Mapping[str, Any], seen: Seen) -> list[Step]:
        return record_rows(record, seen, undone_at=self.undone_at, undo_topic=self.undo_topic)

"""What a step adds to the dashboard's timeline, from its own folder (`Service.timeline`).

The dashboard draws every event by itself, from the outboxes (committed, published) and the
inboxes (handled). A step's `StepTimeline` adds what only the step knows: how to read its own
record of one saga from its database, the rows that record makes (its outcome with its own
timestamps, still there once the outbox rows are purged after OUTBOX_RETENTION_S), which
of its events undo an earlier step, and (optionally, `StepChanges`) what it wrote for the
saga: a balance, a stock level, a status, before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg
from psycopg.rows import dict_row

# How the page draws a row: an event committed, published or handled, a compensation, the
# deadline, the saga placed or final, or a step's record (its own row, not an event).
KINDS = ("placed", "commit", "publish", "handle", "compensation", "deadline", "final", "record")


@dataclass(frozen=True)
class Change:
    """What a step wrote for a saga: `what` went from `before` to `after` in the transaction
    that committed or handled `topic`'s event (its row in the step's lane shows it). None:
    the step's own rows place it (when the timeline no longer draws that event)."""

    what: str
    before: Any
    after: Any
    topic: str | None = None

    def __post_init__(self) -> None:  # a declared `Topic` as the plain name it is
        object.__setattr__(self, "topic", None if self.topic is None else str(self.topic))


@dataclass(frozen=True)
class HandlerLink:
    """Where the handler of a row's event is defined: `text` is `path:line` (the path from
    its top package's parent), `url` the same at DASHBOARD_SOURCE_URL (None without it)."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Step:
    """One row of a saga's timeline, in the lane of `service`."""

    at: float  # epoch seconds
    service: str
    kind: str  # one of KINDS
    label: str
    topic: str | None = None
    expected: bool = False  # a row that has not happened yet (the deadline)
    changes: tuple[Change, ...] = ()  # what the step wrote with it
    handler: HandlerLink | None = None  # a "handle" row's handler


@dataclass(frozen=True)
class Seen:
    """What the timeline already draws of one step's events for this saga: the topics of
    its events the outbox still holds, and the topics of the events drawn in its lane
    (committed or handled), in time order."""

    service: str
    in_outbox: frozenset[str]
    drawn: tuple[str, ...] = ()


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


class StepChanges(Protocol):
    """What a `StepTimeline` may also declare: what the step wrote for the saga."""

    def changes(self, record: Mapping[str, Any], seen: Seen) -> list[Change]:
        """From `record` (as `read` found it): the step's writes, each with the topic of the
        event drawn with it; those whose event is not drawn, its `rows` show."""


def epoch(column: str) -> str:
    """A timestamp column as epoch seconds, under its own name."""
    return f"extract(epoch FROM {column})::float8 AS {column}"


def one_row(conn: psycopg.Connection, query: str, saga_id: str) -> dict[str, Any] | None:
    """The one row `query` finds for the saga (its only parameter), as a dict."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, (saga_id,)).fetchone()


def record_rows(record: Mapping[str, Any], seen: Seen, *, undone_at: str,
                undo_topic: str, changes: list[Change] | None = None) -> list[Step]:
    """The rows of a step that keeps one record per saga (`status`, `reason`, `created_at`
    and an `undone_at` time once undone): its outcome when the outbox holds none of its
    events but the undoing one, and its undoing when the outbox no longer holds
    `undo_topic`'s event; each with its `changes` (the undoing's: those of `undo_topic`)."""
    label = f"{seen.service} {str(record['status']).lower()} (from its row)"
    undoing = tuple(c for c in changes or () if c.topic == undo_topic)
    outcome = tuple(c for c in changes or () if c.topic != undo_topic)
    steps = []
    if not seen.in_outbox - {undo_topic}:
        steps.append(Step(record["created_at"], seen.service, "record", label,
                          changes=outcome))
    if record[undone_at] is not None and undo_topic not in seen.in_outbox:
        steps.append(Step(record[undone_at], seen.service, "compensation", label,
                          changes=undoing))
    return steps


@dataclass(frozen=True)
class RecordTimeline:
    """The `StepTimeline` of a step that keeps one record per saga in `table` (keyed by
    `key`, with `status`, `reason`, `created_at`, and `undone_at` once an `undo_topic` event
    undid it): its record's rows (`record_rows`), its undoing drawn as a compensation.
    `changed`: what the step wrote, from the record with its `columns` too (none: nothing)."""

    table: str
    key: str
    undone_at: str
    undo_topic: str
    columns: tuple[str, ...] = ()
    changed: Callable[[Mapping[str, Any]], list[Change]] | None = None

    @property
    def kinds(self) -> Mapping[str, str]:
        return {self.undo_topic: "compensation"}

    def read(self, conn: psycopg.Connection, saga_id: str) -> dict[str, Any] | None:
        extra = "".join(f", {column}" for column in self.columns)
        return one_row(conn, f"SELECT status, reason, {epoch('created_at')},"
                             f" {epoch(self.undone_at)}{extra} FROM {self.table}"
                             f" WHERE {self.key} = %s", saga_id)

    def changes(self, record: Mapping[str, Any], seen: Seen) -> list[Change]:
        return self.changed(record) if self.changed is not None else []

    def rows(self, record: Mapping[str, Any], seen: Seen) -> list[Step]:
        return record_rows(record, seen, undone_at=self.undone_at, undo_topic=self.undo_topic,
                           changes=self.changes(record, seen))

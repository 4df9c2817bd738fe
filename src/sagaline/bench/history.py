"""`sagaline bench history N`: N finished sagas written straight into each service's
database with COPY, as a long-running system would hold them (see `history_step`).

Each table gets its own connection and COPY, all open at once, so each saga is made once
and the Postgres servers ingest while the next one is made. Inbox rows are written for the
sagas the inbox retention still keeps; the outbox is left empty (published rows are purged
after an hour). Nothing is committed before every row and book is written; then each
table's transaction commits, and a mark (`history_marker`) says what was written.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg
from psycopg import sql

from sagaline.bench import history_marker
from sagaline.bench.history_step import (
    FinishedSaga,
    OwnerHistory,
    Plan,
    StepHistory,
    Table,
    hooks_of,
)
from sagaline.core.saga import Saga

INBOX = Table("inbox", ("consumer", "event_id", "topic", "handled_at"))
PROGRESS_EVERY = 100_000
Key = tuple[str, str]  # (service, table)


class Refused(Exception):
    """A database holds rows the loader did not write (and `force` was not given)."""


@dataclass
class Loaded:
    sagas: int
    seconds: float
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # service -> table -> n

    @property
    def rate(self) -> float:
        return self.sagas / self.seconds if self.seconds else 0.0


def per_saga_tables(hook: StepHistory) -> tuple[Table, ...]:
    return (*hook.tables, INBOX)


def load(saga: Saga, dsns: Mapping[str, str], plan: Plan, inbox_retention_s: float,
         force: bool = False, say: Callable[[str], None] = print) -> Loaded:
    """Write `plan` into the saga's databases (`dsns` by service name)."""
    hooks = hooks_of(saga, plan)  # NoHistory before anything is written
    owner = hooks[saga.owner]
    assert isinstance(owner, OwnerHistory)
    counts = {(name, t.name): 0 for name, h in hooks.items()
              for t in (*per_saga_tables(h), *h.books)}
    started = time.monotonic()
    with ExitStack() as stack:
        conns = {key: stack.enter_context(psycopg.connect(dsns[key[0]])) for key in counts}
        for name in hooks:  # every service has an inbox: its connection does the rest
            refuse_foreign(conns[(name, INBOX.name)], name,
                           [t for (n, t) in counts if n == name], force)
        keep_inbox = datetime.now(plan.end.tzinfo) - timedelta(seconds=inbox_retention_s)
        write_sagas(saga, owner, hooks, conns, counts, keep_inbox, say)
        with ExitStack() as copies:
            sinks = open_copies(copies, conns, {(n, t.name): t for n, h in hooks.items()
                                                for t in h.books})
            for name, hook in hooks.items():
                write(sinks, counts, name, hook.book_rows())
        for name in hooks:
            history_marker.mark(conns[(name, INBOX.name)], plan.tag, plan.count,
                                {t: c for (n, t), c in counts.items() if n == name})
        for conn in conns.values():
            conn.commit()
    rows: dict[str, dict[str, int]] = {}
    for (name, table), c in counts.items():
        rows.setdefault(name, {})[table] = c
    return Loaded(plan.count, time.monotonic() - started, rows)


def write_sagas(saga: Saga, owner: OwnerHistory, hooks: Mapping[str, StepHistory],
                conns: Mapping[Key, psycopg.Connection], counts: dict[Key, int],
                keep_inbox: datetime, say: Callable[[str], None]) -> None:
    """Every saga's rows, and the inbox rows of those the retention keeps."""
    groups = {s.name: s.consumer_group for s in saga.services}
    started = time.monotonic()
    with ExitStack() as copies:
        sinks = open_copies(copies, conns, {(n, t.name): t for n, h in hooks.items()
                                            for t in per_saga_tables(h)})
        for n, done in enumerate(owner.sagas(), 1):
            for name, hook in hooks.items():
                write(sinks, counts, name, hook.rows(done))
                if done.finished_at >= keep_inbox:
                    write(sinks, counts, name, inbox_rows(groups[name], hook, done))
            if n % PROGRESS_EVERY == 0:
                say(f"history: {n:,} sagas ({n / (time.monotonic() - started):,.0f}/s)")


def refuse_foreign(conn: psycopg.Connection, service: str, tables: list[str],
                   force: bool) -> None:
    extra = history_marker.foreign_rows(conn, tables)
    if extra and not force:
        held = ", ".join(f"{table} {n:,}" for table, n in extra.items())
        raise Refused(f"{service} database holds rows the history loader did not write "
                      f"({held}); --force writes all the same")
    conn.commit()  # the counts' snapshot is not the load's


def open_copies(stack: ExitStack, conns: Mapping[Key, psycopg.Connection],
                tables: Mapping[Key, Table]) -> dict[Key, psycopg.Copy]:
    return {key: stack.enter_context(conns[key].cursor().copy(sql.SQL(
        "COPY {} ({}) FROM STDIN").format(sql.Identifier(table.name), sql.SQL(", ").join(
            map(sql.Identifier, table.columns))))) for key, table in tables.items()}


def write(sinks: Mapping[Key, psycopg.Copy], counts: dict[Key, int], service: str,
          rows: Iterable[tuple[str, tuple[object, ...]]]) -> None:
    for table, row in rows:
        sinks[(service, table)].write_row(row)
        counts[(service, table)] += 1


def inbox_rows(group: str, hook: StepHistory, done: FinishedSaga
               ) -> Iterable[tuple[str, tuple[object, ...]]]:
    for topic in hook.consumed(done):
        yield INBOX.name, (group, uuid.uuid4(), topic, done.finished_at)


def sizes(dsn: str) -> dict[str, int]:
    """Bytes of the database and of each of its tables (with indexes and TOAST), and the
    sagas the loads wrote into it ("sagas")."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        found = {"database": conn.execute(
            "SELECT pg_database_size(current_database())").fetchone()[0]}  # type: ignore[index]
        found["sagas"] = history_marker.sagas_written(conn)
        found |= dict(conn.execute(
            "SELECT relname::text, pg_total_relation_size(oid) FROM pg_class"
            " WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace"
            " ORDER BY 2 DESC").fetchall())
        return found


def vacuum(dsn: str, tables: Iterable[str]) -> None:
    """VACUUM ANALYZE what was loaded: statistics for the planner, and the visibility map
    that index-only scans need, as autovacuum would leave them."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table in tables:
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))

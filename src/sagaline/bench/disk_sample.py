"""One sample of what the stack holds on disk: per service database (the saga's declared
services), each table's heap and index bytes, live and dead tuples and autovacuum runs, the
outbox's and inbox's rows and the database's size; per Kafka topic, the bytes of its log
directories; and the sagas finished since the run began."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Self

import psycopg

from sagaline.bench import dbstats
from sagaline.core.saga import Saga
from sagaline.devstack import Stack

TABLES = """SELECT relname::text, pg_table_size(relid), pg_indexes_size(relid), n_live_tup,
       n_dead_tup, autovacuum_count, extract(epoch FROM last_autovacuum)::float8
FROM pg_stat_user_tables WHERE schemaname = current_schema() ORDER BY relname"""
TABLE_FIELDS = ("heap_bytes", "index_bytes", "live", "dead", "autovacuum_count",
                "last_autovacuum")


def database(conn: psycopg.Connection) -> dict[str, Any]:
    """A database's size, its tables' sizes and tuple counts, the outbox's and inbox's rows
    (counted: the statistics' estimates lag behind the housekeeper's deletes)."""
    size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    tables = {row[0]: dict(zip(TABLE_FIELDS, row[1:], strict=True))
              for row in conn.execute(TABLES).fetchall()}
    rows = {f"{table}_rows": _count(conn, table) for table in ("outbox", "inbox")}
    return {"database_bytes": size[0] if size else 0, **rows, "tables": tables}


def _count(conn: psycopg.Connection, table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {table}".encode()).fetchone()
    return int(row[0]) if row else 0


def kafka_dirs(stack: Stack) -> list[Path]:
    """The log directories of the stack's local Kafka nodes (none for an external one)."""
    return [k.data_dir for k in stack.kafka_nodes if not k.external and k.data_dir.is_dir()]


def topic_bytes(dirs: Iterable[Path]) -> dict[str, int]:
    """Bytes on disk of each topic's partition directories (`<topic>-<partition>`), every
    node's together. Allocated blocks, not file lengths: Kafka's index files are preallocated
    sparse files whose length (10 MB each) is mostly holes."""
    found: dict[str, int] = {}
    for root in dirs:
        for part in root.iterdir():
            topic, _, number = part.name.rpartition("-")
            if not part.is_dir() or not topic or not number.isdigit():
                continue
            used = sum(f.stat().st_blocks * 512 for f in part.iterdir() if f.is_file())
            found[topic] = found.get(topic, 0) + used
    return found


class Sampler:
    """Samples on connections held open for the run (one per service database)."""

    def __init__(self, dsns: Mapping[str, str], saga: Saga, kafka: list[Path],
                 started_at: float) -> None:
        self.saga, self.kafka, self.started_at = saga, kafka, started_at
        with ExitStack() as opened:  # one that fails closes those already open
            self._conns = {name: _connect(dsns[name], opened) for name in saga.names}
            self._closing = opened.pop_all()

    def sample(self) -> dict[str, Any]:
        now = time.time()
        return {
            "t_s": round(now - self.started_at, 1), "at": now,
            "sagas_finished": dbstats.finished_count(self._conns[self.saga.owner],
                                                    self.started_at),
            "databases": {name: database(conn) for name, conn in self._conns.items()},
            "kafka_topic_bytes": topic_bytes(self.kafka)}

    def close(self) -> None:
        self._closing.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _connect(dsn: str, opened: ExitStack) -> psycopg.Connection:
    conn = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    opened.callback(conn.close)
    return conn

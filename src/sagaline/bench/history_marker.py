"""The loader's mark in each database it writes: a row per load naming how many rows it
wrote to each table. A table holding more rows than the marks account for holds sagas the
loader did not write (a live system's, or a test's): the loader refuses to add to it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import orjson
import psycopg
from psycopg import sql

MARKER = "sagaline_history"


def ensure(conn: psycopg.Connection) -> None:
    conn.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} ("
                 " loaded_at timestamptz NOT NULL DEFAULT clock_timestamp(),"
                 " tag text NOT NULL, sagas bigint NOT NULL, rows jsonb NOT NULL)")


def foreign_rows(conn: psycopg.Connection, tables: Iterable[str]) -> dict[str, int]:
    """Table -> rows it holds beyond what earlier loads wrote (only tables with some)."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (MARKER,)).fetchone()
    written: dict[str, int] = {}
    if exists and exists[0]:
        for (rows,) in conn.execute(f"SELECT rows FROM {MARKER}"):
            for table, n in rows.items():
                written[table] = written.get(table, 0) + int(n)
    extra = {}
    for table in tables:
        held = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier(table))).fetchone()
        if held and held[0] > written.get(table, 0):
            extra[table] = held[0] - written.get(table, 0)
    return extra


def mark(conn: psycopg.Connection, tag: str, sagas: int, rows: Mapping[str, int]) -> None:
    ensure(conn)
    conn.execute(f"INSERT INTO {MARKER} (tag, sagas, rows) VALUES (%s, %s, %s::jsonb)",
                 (tag, sagas, orjson.dumps(dict(rows)).decode()))


def sagas_written(conn: psycopg.Connection) -> int:
    """How many sagas the loads wrote into this database, all loads together."""
    ensure(conn)
    row = conn.execute(f"SELECT coalesce(sum(sagas), 0) FROM {MARKER}").fetchone()
    return int(row[0]) if row else 0

"""Versioned SQL migrations: `NNN_name.sql` files applied once each, in order, on start.

Versions are namespaced (`core/001_outbox_inbox.sql`, `order/001_orders.sql`) so the core's
tables and a service's own evolve independently. An advisory lock lets several replicas start
at once: one applies, the others wait and find nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.resources import files
from importlib.resources.abc import Traversable

import psycopg

_LOCK_KEY = "sagaline.migrations"
CORE_MIGRATIONS = ("core", files("sagaline.core") / "sql")


def _scripts(folder: Traversable) -> list[Traversable]:
    return sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)


def migrate(conn: psycopg.Connection, sources: Sequence[tuple[str, Traversable]]) -> list[str]:
    """Apply what is not applied yet; returns the versions applied now."""
    applied_now: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK_KEY,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for namespace, folder in sources:
            for script in _scripts(folder):
                version = f"{namespace}/{script.name}"
                if version in done:
                    continue
                conn.execute(script.read_text(encoding="utf-8").encode())
                conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
                applied_now.append(version)
    return applied_now


def migrate_dsn(dsn: str, sources: Sequence[tuple[str, Traversable]],
                then: Sequence[Callable[[psycopg.Connection], None]] = ()) -> list[str]:
    """Migrate, then run `then` (DDL that follows a declaration), under the same lock."""
    with psycopg.connect(dsn) as conn:
        applied = migrate(conn, sources)
        for step in then:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK_KEY,))
                step(conn)
        return applied

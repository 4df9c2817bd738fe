"""Everything under tests/integration is an integration test unless marked `unit`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.resources.abc import Traversable
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from sagaline.core.postgres import migrations

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents and item.get_closest_marker("unit") is None:
            item.add_marker(pytest.mark.integration)
    # The chaos tier restarts everything: run it last, so timing-sensitive tests before it
    # see a quiet system.
    items.sort(key=lambda item: item.get_closest_marker("chaos") is not None)


@contextmanager
def scratch_schema(base_dsn: str, sources: Sequence[tuple[str, Traversable]]) -> Iterator[str]:
    """A fresh schema of `base_dsn`'s database with `sources` migrated into it; yields a DSN
    whose search_path is that schema, and drops it after. Tests on it never meet (or leave)
    rows of other tests or of a running service."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        dsn = make_conninfo(base_dsn, options=f"-c search_path={schema}")
        migrations.migrate_dsn(dsn, sources)
        yield dsn
    finally:
        with psycopg.connect(base_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))

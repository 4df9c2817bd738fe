"""Fixtures for testing the core against the real stack, away from the services' tables.

The core's tables go into a fresh schema of the order database per test, so tests never
touch (or get touched by) a running service's outbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from sagaline.core import migrations
from sagaline.settings import StackSettings
from sagaline.stack import Stack
from sagaline.stack.topics import ensure_topics

TEST_TOPICS = ("test.contract.a", "test.contract.b")


@pytest.fixture
def core_dsn(stack: Stack) -> Iterator[str]:
    base = stack.settings.order_db_dsn
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    dsn = make_conninfo(base, options=f"-c search_path={schema}")
    migrations.migrate_dsn(dsn, [migrations.CORE_MIGRATIONS])
    yield dsn
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(scope="session")
def test_topics(stack: Stack) -> tuple[str, ...]:
    s: StackSettings = stack.settings
    ensure_topics(s.kafka_bootstrap_servers, TEST_TOPICS, 3, s.kafka_client_config)
    return TEST_TOPICS

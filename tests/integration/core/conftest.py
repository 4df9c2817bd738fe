"""Fixtures for testing the core against the real stack, away from the services' tables.

The core's tables go into a fresh schema of the order database per test, so tests never
touch (or get touched by) a running service's outbox.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sagaline.core.postgres import migrations
from sagaline.devstack import Stack
from sagaline.devstack.topics import ensure_topics
from sagaline.settings import StackSettings
from tests.integration.conftest import scratch_schema

TEST_TOPICS = ("test.contract.a", "test.contract.b")


@pytest.fixture
def core_dsn(stack: Stack) -> Iterator[str]:
    with scratch_schema(stack.settings.dsn("order"), [migrations.CORE_MIGRATIONS]) as dsn:
        yield dsn


@pytest.fixture(scope="session")
def test_topics(stack: Stack) -> tuple[str, ...]:
    s: StackSettings = stack.settings
    ensure_topics(s.kafka_bootstrap_servers, TEST_TOPICS, 3, s.kafka_client_config)
    return TEST_TOPICS

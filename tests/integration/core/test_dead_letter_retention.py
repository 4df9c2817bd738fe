"""Dead-letter topics keep their messages for the configured days, on the real broker: new
ones are created so, existing ones are set so, other topics keep the broker's default."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka.admin import ConfigResource, ResourceType  # type: ignore[attr-defined]

from sagaline.devstack import Stack
from sagaline.devstack.topics import DAY_MS, ensure_topics
from sagaline.ops.kafka_admin import admin_client


def retention_ms(stack: Stack, topic: str) -> tuple[int, bool]:
    """The topic's retention.ms, and whether it is the broker's default."""
    resource = ConfigResource(ResourceType.TOPIC, topic)
    client = admin_client(stack.settings.kafka_bootstrap_servers)
    entry = client.describe_configs([resource])[resource].result(timeout=30)["retention.ms"]
    return int(entry.value), entry.is_default


@pytest.fixture
def fresh_topics(stack: Stack) -> Iterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:10]
    names = (f"dlq.test-{suffix}", f"test.plain-{suffix}")
    yield names
    client = admin_client(stack.settings.kafka_bootstrap_servers)
    for future in client.delete_topics(list(names)).values():
        future.result(timeout=30)


def test_dead_letter_topics_are_kept_for_the_configured_days(
        stack: Stack, fresh_topics: tuple[str, str]) -> None:
    dead, plain = fresh_topics
    bootstrap = stack.settings.kafka_bootstrap_servers
    assert sorted(ensure_topics(bootstrap, fresh_topics, 1, dead_letter_retention_days=2)) \
        == sorted(fresh_topics)
    assert retention_ms(stack, dead) == (2 * DAY_MS, False)
    assert retention_ms(stack, plain)[1] is True  # the broker's default, untouched
    assert ensure_topics(bootstrap, fresh_topics, 1) == []  # exists: set to the default 30
    assert retention_ms(stack, dead) == (30 * DAY_MS, False)
    assert retention_ms(stack, plain)[1] is True


def test_the_services_dead_letter_topics_keep_30_days(stack: Stack) -> None:
    assert retention_ms(stack, "dlq.payment") == (30 * DAY_MS, False)


@pytest.mark.unit
def test_less_than_a_day_is_refused() -> None:
    with pytest.raises(ValueError, match="at least a day"):
        ensure_topics("127.0.0.1:1", ["dlq.x"], 1, dead_letter_retention_days=0)

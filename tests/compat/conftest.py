"""The compat tier: the seed demo's Kafka client (KafkaJS 2.x, no codec plugins) against our
running services. Every test here is marked `compat` and `integration` (it needs the stack).

Without Node or KafkaJS (`make compat-deps`) the tier skips locally, and fails under CI=true.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagaline.devstack import Stack
from sagaline.seed_saga import topics
from tests.compat import kafkajs
from tests.compat.freezer import Freezer
from tests.integration.saga.conftest import Saga

HERE = Path(__file__).parent

# What our services produce that a seed service could read: the seed's five topics and ours.
PRODUCED: list[str] = [topics.ORDER_CREATED, topics.PAYMENT_CHARGED, topics.PAYMENT_FAILED,
            topics.INVENTORY_RESERVED, topics.INVENTORY_FAILED, topics.PAYMENT_REFUNDED,
            topics.ORDER_CANCELLED, topics.INVENTORY_RELEASED]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.compat)
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def node() -> None:
    why = kafkajs.missing()
    if why and os.environ.get("CI") == "true":
        pytest.fail(f"compat tier: {why}", pytrace=False)
    if why:
        pytest.skip(why)


@pytest.fixture(scope="session")
def seed_saga(node: None, services: Stack) -> Iterator[Saga]:
    client = Saga(services)
    client.settle()
    yield client
    for http in (client.order, client.payment, client.inventory):
        http.close()


@pytest.fixture(scope="module")
def seed_consumer(seed_saga: Saga) -> Iterator[kafkajs.SeedConsumer]:
    """Subscribed to every topic we produce before the module's sagas start; gone after it
    (it would otherwise read, and slow, every later tier's traffic)."""
    bootstrap = seed_saga.stack.settings.kafka_bootstrap_servers
    consumer = kafkajs.SeedConsumer(bootstrap, f"compat-{uuid.uuid4().hex[:8]}", PRODUCED)
    try:
        consumer.wait_ready()
        yield consumer
    finally:
        consumer.close()


@pytest.fixture(scope="module")
def seed_producer(seed_saga: Saga) -> Iterator[kafkajs.SeedProducer]:
    producer = kafkajs.SeedProducer(seed_saga.stack.settings.kafka_bootstrap_servers)
    yield producer
    producer.close()


@pytest.fixture
def freezer(seed_saga: Saga) -> Iterator[Freezer]:
    frozen = Freezer(seed_saga.stack)
    try:
        yield frozen
    finally:
        frozen.thaw()

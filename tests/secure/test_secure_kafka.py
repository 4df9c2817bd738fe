"""`sagaline up --secure`: Kafka with SASL/SCRAM and ACLs from the topology. The stack here is
this module's own (its own dir, and ports 100 above the session's), started and wiped by its
fixture, so the session's stack is never disturbed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer

from sagaline.core.kafka.source import KafkaSource, consumer_config
from sagaline.devstack import Stack, StackError
from sagaline.devstack.shape import Shape
from sagaline.ops.kafka_admin import admin_client
from sagaline.seed_saga.order.status import FINAL, OrderStatus
from sagaline.seed_saga.topics import ORDER_CREATED
from sagaline.settings import StackSettings, stack_settings

pytestmark = pytest.mark.secure
OFFSET = 100  # its ports: the session stack's + 100 (all below 32768 with ours and CI's)


def _moved(dsn: str) -> str:
    parts = urlsplit(dsn)
    netloc = parts.netloc.replace(f":{parts.port}", f":{(parts.port or 5432) + OFFSET}")
    return urlunsplit(parts._replace(netloc=netloc))


def _settings(stack_dir: Path) -> StackSettings:
    s = stack_settings()
    host, port = s.kafka_bootstrap_servers.split(",")[0].rsplit(":", 1)
    return s.model_copy(update={
        "stack_dir": stack_dir, "kafka_bootstrap_servers": f"{host}:{int(port) + OFFSET}",
        "order_db_dsn": _moved(s.dsn("order")), "payment_db_dsn": _moved(s.dsn("payment")),
        "inventory_db_dsn": _moved(s.dsn("inventory")),
        "order_http_port": s.http_port("order") + OFFSET,
        "payment_http_port": s.http_port("payment") + OFFSET,
        "inventory_http_port": s.http_port("inventory") + OFFSET})


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(_settings(tmp_path_factory.mktemp("secure")), shape=Shape(secure=True))
    try:
        stack.record_shape()
        stack.start_infra()
        stack.start_services()
    except StackError as err:
        stack.wipe()
        pytest.fail(f"secure stack: {err}\n{err.detail}", pytrace=False)
    yield stack
    stack.wipe()


def _bootstrap(stack: Stack) -> str:
    return stack.settings.kafka_bootstrap_servers


def test_a_client_without_credentials_is_refused(secure: Stack) -> None:
    wrong = {**secure.settings.kafka_service_configs["payment"], "sasl.password": "guess"}
    for config in ({}, wrong):
        with pytest.raises(KafkaException):
            admin_client(_bootstrap(secure), config).list_topics(timeout=5)
    assert admin_client(_bootstrap(secure),  # the admin's own credentials do work
                        secure.settings.kafka_client_config).list_topics(timeout=5).topics


def _produce(stack: Stack, user: str, topic: str) -> KafkaError | None:
    producer = Producer({"bootstrap.servers": _bootstrap(stack), "message.timeout.ms": 10_000,
                         **stack.settings.kafka_service_configs[user]})
    outcome: list[KafkaError | None] = []
    producer.produce(topic, b"not an event", on_delivery=lambda err, _msg: outcome.append(err))
    producer.flush(15)
    return outcome[0] if outcome else KafkaError(KafkaError._MSG_TIMED_OUT)


def test_payment_may_not_write_order_created_nor_read_as_order(secure: Stack) -> None:
    refused = _produce(secure, "payment", ORDER_CREATED)
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert _produce(secure, "payment", "dlq.payment") is None  # its own dead letters: allowed
    consumer = Consumer({"bootstrap.servers": _bootstrap(secure),
                         "group.id": "order-service-group", "auto.offset.reset": "earliest",
                         **secure.settings.kafka_service_configs["payment"]})
    try:
        consumer.subscribe([ORDER_CREATED])
        message = consumer.poll(10)
        error = message.error() if message is not None else None
        assert error is not None and error.code() in (KafkaError.GROUP_AUTHORIZATION_FAILED,
                                                      KafkaError.TOPIC_AUTHORIZATION_FAILED)
    finally:
        consumer.close()


def test_a_consumer_refused_its_group_or_topic_is_not_ready_and_says_why(
        secure: Stack) -> None:
    config = consumer_config(_bootstrap(secure), "order-service-group",
                             secure.settings.kafka_service_configs["payment"])
    source = KafkaSource(config, [ORDER_CREATED])  # payment's user in order's group
    try:
        deadline = time.monotonic() + 30
        while "AUTHORIZATION_FAILED" not in (source.problem() or ""):
            assert time.monotonic() < deadline, f"readiness says {source.problem()!r}"
            assert source.poll(10, 0.5) == []
    finally:
        source.close()


def test_a_saga_runs_end_to_end(secure: Stack) -> None:
    s = secure.settings
    order = {"userId": f"secure-{uuid.uuid4().hex[:8]}", "totalAmount": 5,
             "items": [{"sku": "SKU-1", "quantity": 1}]}
    with httpx.Client(base_url=f"http://127.0.0.1:{s.http_port('order')}", timeout=10) as http:
        order_id = http.post("/orders", json=order).json()["orderId"]
        deadline = time.monotonic() + 60
        while (status := http.get(f"/orders/{order_id}").json()["status"]) not in FINAL:
            assert time.monotonic() < deadline, f"order {order_id} still {status}"
            time.sleep(0.2)
    assert status == OrderStatus.CONFIRMED

"""The secure broker's pieces (stack/kafka_secure.py): ACLs from the topology, its config,
its users."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from confluent_kafka.admin import AclOperation, ResourceType  # type: ignore[attr-defined]

from sagaline.devstack import kafka_config, kafka_secure
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit


def _granted(user: str, kind: ResourceType, operation: AclOperation) -> set[str]:
    return {b.name for b in kafka_secure.acl_bindings(SAGA)
            if b.principal == f"User:{user}" and b.restype == kind and b.operation == operation}


def test_each_service_writes_only_what_it_produces_and_its_dead_letters() -> None:
    assert _granted("payment", ResourceType.TOPIC, AclOperation.WRITE) == {
        "payment.charged", "payment.failed", "payment.refunded", "dlq.payment"}
    for service in SAGA.services:
        assert _granted(service.name, ResourceType.TOPIC, AclOperation.WRITE) == {
            *service.produces, service.dead_letter_topic}
    assert "order.created" not in _granted("payment", ResourceType.TOPIC, AclOperation.WRITE)


def test_each_service_reads_only_what_it_consumes_in_its_own_group() -> None:
    for service in SAGA.services:
        assert _granted(service.name, ResourceType.TOPIC, AclOperation.READ) == set(
            service.consumes)
        assert _granted(service.name, ResourceType.GROUP, AclOperation.READ) == {
            service.consumer_group}
    operations = {b.operation for b in kafka_secure.acl_bindings(SAGA)}
    assert operations == {AclOperation.READ, AclOperation.WRITE}


def test_the_broker_authenticates_every_listener_and_trusts_only_the_admin(
        tmp_path: Path) -> None:
    node = kafka_config.Node(1, "127.0.0.1", 19092)
    props = kafka_secure.broker_properties("127.0.0.1", 19092, 19093, "pw")
    text = kafka_config.server_properties(node, [node], tmp_path, props)
    lines = dict(line.split("=", 1) for line in text.splitlines())
    assert lines["listeners"] == ("SASL_PLAINTEXT://127.0.0.1:19092,"
                                  "CONTROLLER://127.0.0.1:19093")
    assert "PLAINTEXT:PLAINTEXT" not in lines["listener.security.protocol.map"]
    assert lines["super.users"] == "User:admin"
    assert lines["allow.everyone.if.no.acl.found"] == "false"


def test_users_are_made_once_with_random_passwords_only_the_owner_reads(
        tmp_path: Path) -> None:
    first = kafka_secure.users(tmp_path, ["order", "payment"])
    assert set(first) == {"admin", "order", "payment"} and len(set(first.values())) == 3
    assert kafka_secure.users(tmp_path, ["order", "payment"]) == first
    assert stat.S_IMODE((tmp_path / kafka_secure.FILE).stat().st_mode) == 0o600
    assert kafka_secure.scram_arguments({"order": "x"}) == [
        "--add-scram", "SCRAM-SHA-512=[name=order,password=x]"]

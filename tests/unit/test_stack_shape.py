"""The stack's shape: Kafka nodes and service replicas, their ports, names and settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagaline.devstack import Stack, StackError, kafka_config
from sagaline.devstack.services import Service
from sagaline.devstack.shape import Shape, node_addresses, replica_port
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import StackSettings

pytestmark = pytest.mark.unit


def local_settings(stack_dir: Path) -> StackSettings:
    """The declaration's addresses, whatever the environment of this test run says."""
    return StackSettings(stack_dir=stack_dir, kafka_bootstrap_servers="127.0.0.1:9092",
                         ).with_services(http_ports={n: SAGA.http_port(n) for n in SAGA.names})


def props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


def test_a_quorum_of_three_replicates_every_topic_three_times_and_needs_two(
        tmp_path: Path) -> None:
    voters = [kafka_config.Node(n, "127.0.0.1", 9090 + 2 * n) for n in (1, 2, 3)]
    p = props(kafka_config.server_properties(voters[1], voters, tmp_path))
    assert p["node.id"] == "2"
    assert p["controller.quorum.voters"] == (
        "1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097")
    assert p["listeners"] == "PLAINTEXT://127.0.0.1:9094,CONTROLLER://127.0.0.1:9095"
    assert p["default.replication.factor"] == p["offsets.topic.replication.factor"] == "3"
    assert p["min.insync.replicas"] == p["transaction.state.log.min.isr"] == "2"
    assert p["unclean.leader.election.enable"] == "false"
    # Fenced before a producer's 10 s message timeout runs out.
    assert int(p["broker.session.timeout.ms"]) < 10_000


def test_nodes_come_from_the_bootstrap_list_or_count_up_from_its_first_entry() -> None:
    assert node_addresses("h:9092", 3) == [("h", 9092), ("h", 9094), ("h", 9096)]
    assert node_addresses("a:1,b:2,c:3", 3) == [("a", 1), ("b", 2), ("c", 3)]
    assert node_addresses("a:1,b:2,c:3", 1) == [("a", 1)]


def test_every_entry_of_a_bootstrap_list_is_read() -> None:
    assert kafka_config.parse_bootstrap_list("PLAINTEXT://a:1, b:2") == [("a", 1), ("b", 2)]
    with pytest.raises(ValueError, match="host:port"):
        kafka_config.parse_bootstrap_list("a:1,b")


def test_replica_ports_step_by_ten() -> None:
    assert [replica_port(4001, r) for r in (1, 2, 3)] == [4001, 4011, 4021]


@pytest.mark.parametrize(("brokers", "replicas"), [(2, 1), (3, 0), (1, 10)])
def test_shapes_outside_what_runs_here_are_refused(brokers: int, replicas: int) -> None:
    with pytest.raises(StackError):
        Shape(brokers, replicas)


def test_up_records_the_shape_and_later_commands_see_every_node_and_replica(
        tmp_path: Path) -> None:
    settings = local_settings(tmp_path)
    Stack(settings, shape=Shape(3, 2)).record_shape()
    later = Stack(settings)  # as `status` or `down` would build it
    assert later.infra_names[:3] == ["kafka-1", "kafka-2", "kafka-3"]
    assert later.service_names == [*SAGA.names, *(f"{name}-2" for name in SAGA.names)]
    assert later.settings.kafka_bootstrap_servers.count(",") == 2
    assert later.settings.topic_replication_factor == 3
    name = SAGA.names[1]
    second = later.component(f"{name}-2")
    assert isinstance(second, Service) and second.port == SAGA.http_port(name) + 10
    assert second.extra_env["REPLICA_ID"] == "2"


def test_dynamic_membership_leaves_replica_ids_empty(tmp_path: Path) -> None:
    stack = Stack(local_settings(tmp_path), shape=Shape(1, 2, static_membership=False))
    assert {s.extra_env["REPLICA_ID"] for s in stack.services} == {""}


def test_one_node_and_one_replica_stays_the_default(tmp_path: Path) -> None:
    stack = Stack(local_settings(tmp_path))
    assert stack.infra_names[0] == "kafka" and stack.service_names == list(SAGA.names)
    assert stack.services[0].extra_env["REPLICA_ID"] == ""

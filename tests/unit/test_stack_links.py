"""The faulty stack's wiring (devstack/links.py): a proxy per (service, link), a broker
listener per service advertised at its proxy, each service's settings pointed at its own
proxies; for any declared saga."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagaline.devstack import Stack, StackError, kafka_config, links
from sagaline.devstack.quorum_links import QuorumLinks, broker_link, controller_link, links_of
from sagaline.devstack.shape import Shape
from sagaline.devstack.toxiproxy import Toxiproxy
from sagaline.settings import StackSettings
from tests.unit.test_stack_shape import props
from tests.unit.tiny_saga import TINY

pytestmark = pytest.mark.unit
API = 20474


def faulty_settings(stack_dir: Path) -> StackSettings:
    return StackSettings(stack_dir=stack_dir, kafka_bootstrap_servers="127.0.0.1:20092",
                         toxiproxy_port=API).for_saga(TINY)


def test_every_declared_service_has_its_own_db_and_kafka_proxy(tmp_path: Path) -> None:
    made = links.links(faulty_settings(tmp_path), TINY.names)
    assert [x.name for x in made] == [f"{n}.{kind}" for n in TINY.names
                                      for kind in ("db", "kafka")]
    ports = [x.listen for x in made]
    assert len(set(ports)) == len(ports) and min(ports) == API + 1
    first_db = faulty_settings(tmp_path).dsn(TINY.names[0])
    assert made[0].upstream == f"127.0.0.1:{first_db.rsplit(':', 1)[1].split('/')[0]}"


def test_the_broker_advertises_each_service_listener_at_its_proxy(tmp_path: Path) -> None:
    settings = faulty_settings(tmp_path)
    listeners = links.listeners(TINY.names, API)
    kafka_links = {x.name: x for x in links.links(settings, TINY.names) if
                   x.name.endswith(".kafka")}
    node = kafka_config.Node(1, "127.0.0.1", 20092)
    p = props(kafka_config.server_properties(node, [node], tmp_path, links.broker_properties(
        node.host, node.port, node.controller_port, listeners)))
    for name, listener in zip(TINY.names, listeners, strict=True):
        proxy = kafka_links[links.kafka_link(name)]
        assert proxy.upstream == f"127.0.0.1:{listener.port}"  # the proxy reaches its listener
        assert f"{listener.name}://127.0.0.1:{listener.port}" in p["listeners"]
        assert f"{listener.name}://127.0.0.1:{proxy.listen}" in p["advertised.listeners"]
        assert f"{listener.name}:PLAINTEXT" in p["listener.security.protocol.map"]
    assert p["inter.broker.listener.name"] == "PLAINTEXT"


def test_each_service_reaches_its_db_and_kafka_only_through_its_proxies(tmp_path: Path) -> None:
    settings = faulty_settings(tmp_path)
    by_name = {x.name: x for x in links.links(settings, TINY.names)}
    for name in TINY.names:
        seen = links.through_proxies(settings, TINY.names, name)
        assert seen.kafka_bootstrap_servers == f"127.0.0.1:{by_name[f'{name}.kafka'].listen}"
        assert f"port={by_name[f'{name}.db'].listen}" in seen.dsn(name)
        assert "host=127.0.0.1" in seen.dsn(name)


def test_a_faulty_stack_has_toxiproxy_and_proxied_services(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGALINE_SAGA", "tests.unit.tiny_saga:TINY")
    stack = Stack(faulty_settings(tmp_path),
                  shape=Shape(saga="tests.unit.tiny_saga:TINY", faulty=True))
    assert "toxiproxy" in stack.infra_names
    proxy = stack.component("toxiproxy")
    assert isinstance(proxy, Toxiproxy) and len(proxy.links) == 2 * len(TINY.names)
    assert len(stack.kafka.ports) == 2 + len(TINY.names)
    for service in stack.services:
        assert service.settings.kafka_bootstrap_servers != stack.settings.kafka_bootstrap_servers
    plain = Stack(faulty_settings(tmp_path), shape=Shape(saga="tests.unit.tiny_saga:TINY"))
    assert "toxiproxy" not in plain.infra_names


def test_faulty_is_one_replica_plaintext() -> None:
    for shape in ({"replicas": 2}, {"secure": True}):
        with pytest.raises(StackError):
            Shape(faulty=True, **shape)


def test_every_link_between_two_nodes_has_a_proxy_each_way(tmp_path: Path) -> None:
    voters = tuple(kafka_config.Node(n, "127.0.0.1", 20090 + 2 * n) for n in (1, 2, 3))
    wiring = QuorumLinks(API, voters)
    made = {x.name: x for x in wiring.links()}
    assert len(made) == 12  # 6 ordered pairs, inter-broker and controller
    ports = [x.listen for x in made.values()] + [p for n in (1, 2, 3) for p in wiring.ports(n)]
    assert len(set(ports)) == len(ports) and min(ports) > API
    two = props(kafka_config.server_properties(voters[1], list(voters), tmp_path,
                                               wiring.properties(voters[1])))
    assert two["inter.broker.listener.name"] == "IB_FROM_2"
    # Node 2 reaches 1 and 3's controllers through its own proxies, itself directly.
    assert two["controller.quorum.voters"] == ",".join([
        f"1@127.0.0.1:{made[controller_link(2, 1)].listen}", "2@127.0.0.1:20095",
        f"3@127.0.0.1:{made[controller_link(2, 3)].listen}"])
    # Node 1 fetches from node 2 where 2 advertises IB_FROM_1: the proxy 1 -> 2.
    assert f"IB_FROM_1://127.0.0.1:{made[broker_link(1, 2)].listen}" in two[
        "advertised.listeners"]
    assert made[broker_link(1, 2)].upstream == f"127.0.0.1:{wiring.bound(2, 1)}"
    assert f"IB_FROM_1://127.0.0.1:{wiring.bound(2, 1)}" in two["listeners"]
    assert len(links_of(2, 3)) == 8 and all("2" in name for name in links_of(2, 3))

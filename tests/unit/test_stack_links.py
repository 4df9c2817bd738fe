"""The faulty stack's wiring (devstack/links.py): a proxy per (service, link), a broker
listener per service advertised at its proxy, each service's settings pointed at its own
proxies; for any declared saga."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagaline.devstack import Stack, StackError, kafka_config, links
from sagaline.devstack.shape import Shape
from sagaline.devstack.toxiproxy import Toxiproxy
from sagaline.settings import StackSettings
from tests.unit.test_stack_shape import props
from tests.unit.tiny_saga import TINY

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


def test_faulty_is_one_broker_one_replica_plaintext() -> None:
    for shape in ({"brokers": 3}, {"replicas": 2}, {"secure": True}):
        with pytest.raises(StackError):
            Shape(faulty=True, **shape)

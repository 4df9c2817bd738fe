"""The network tier: every service's links to its database and to Kafka through Toxiproxy
(`up --faulty`), in a stack of its own (its own STACK_DIR and ports, so it never meets the
session stack of the other tiers).

Ports (below 32768, outside Linux's ephemeral range), overridable for parallel runs:
NETWORK_KAFKA_PORT (17092, its controller one above), NETWORK_PG_PORT (17433 and up, one per
service), NETWORK_HTTP_PORT (17001 and up), NETWORK_TOXIPROXY_PORT (17474: the API, its
proxies and the broker's per-service listeners on the ports above it); NETWORK_STACK_DIR
(.stack/network). The three-node stack of the quorum cases: each port 10 above (Toxiproxy's
100), in <NETWORK_STACK_DIR>/cluster. Without toxiproxy-server (`make toxiproxy`) the tier
skips, but under CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagaline import saga_choice
from sagaline.chaos.network import Network
from sagaline.devstack import Stack, StackError
from sagaline.devstack.shape import Shape
from sagaline.devstack.toxiproxy import find_server
from sagaline.settings import StackSettings

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.network)


def network_settings(cluster: bool = False) -> StackSettings:
    """The one-node stack's settings; `cluster`: the three-node stack's, every port above
    (+10 for Kafka, Postgres and the services, +100 for Toxiproxy) and its own dir."""
    saga = saga_choice.load()
    above = 10 if cluster else 0
    kafka = int(os.environ.get("NETWORK_KAFKA_PORT", "17092")) + above
    pg = int(os.environ.get("NETWORK_PG_PORT", "17433")) + above
    http = int(os.environ.get("NETWORK_HTTP_PORT", "17001")) + above
    home = Path(os.environ.get("NETWORK_STACK_DIR", ROOT / ".stack" / "network"))
    base = StackSettings(
        stack_dir=home / "cluster" if cluster else home,
        kafka_bootstrap_servers=f"127.0.0.1:{kafka}", http_host="127.0.0.1",
        toxiproxy_port=int(os.environ.get("NETWORK_TOXIPROXY_PORT", "17474")) + 10 * above)
    def dsn(name: str, n: int) -> str:
        user = name.lower().replace("-", "_")
        return f"postgresql://{user}_user:{user}_pass@127.0.0.1:{pg + n}/{user}_db"

    return base.with_services(
        dsns={name: dsn(name, n) for n, name in enumerate(saga.names)},
        http_ports={name: http + n for n, name in enumerate(saga.names)})


@pytest.fixture(scope="module")
def faulty() -> Iterator[Stack]:
    """A fresh faulty stack (one broker, one replica of each service, every link proxied),
    stopped and wiped after the module (the next module's stack never runs beside it)."""
    yield from _fresh(network_settings(), Shape(faulty=True))


@pytest.fixture(scope="module")
def faulty_cluster() -> Iterator[Stack]:
    """A fresh faulty cluster: three nodes, every link between two of them proxied, one
    replica of each service (its links direct)."""
    yield from _fresh(network_settings(cluster=True), Shape(brokers=3, faulty=True))


def _fresh(settings: StackSettings, shape: Shape) -> Iterator[Stack]:
    try:
        find_server()
    except StackError as err:
        if os.environ.get("CI") == "true":
            pytest.fail(str(err), pytrace=False)
        pytest.skip(str(err))
    stack = Stack(settings, shape=shape)
    try:
        stack.wipe()
        stack.record_shape()
        stack.start_infra()
        stack.start_services()
    except StackError as err:
        stack.stop_all()
        pytest.fail(f"faulty stack: {err}\n{err.detail}", pytrace=False)
    yield stack
    stack.wipe()


@pytest.fixture
def network(faulty: Stack) -> Iterator[Network]:
    """Toxiproxy's API; every link healed after each case, whatever it left."""
    yield from _healed(faulty)


@pytest.fixture
def cluster_network(faulty_cluster: Stack) -> Iterator[Network]:
    yield from _healed(faulty_cluster)


def _healed(stack: Stack) -> Iterator[Network]:
    net = Network(stack.settings.toxiproxy_port)
    yield net
    net.heal()
    net.close()

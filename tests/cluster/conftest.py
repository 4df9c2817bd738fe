"""The cluster tier: three Kafka nodes and two replicas of each service, in a stack of its own
(its own STACK_DIR and ports, so it never meets the session stack of the other tiers).

Ports (all below 32768, outside Linux's ephemeral range), overridable for parallel runs:
CLUSTER_KAFKA_PORT (19092: nodes on 19092/19094/19096, controllers one above),
CLUSTER_PG_PORT (19433: order, payment, inventory on 19433-19435), CLUSTER_HTTP_PORT (19001:
replica 1 on 19001-19003, replica 2 on 19011-19013); CLUSTER_STACK_DIR (.stack/cluster).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagaline.devstack import Stack, StackError
from sagaline.devstack.shape import Shape
from sagaline.settings import StackSettings
from tests.cluster import health

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.cluster)


def cluster_settings() -> StackSettings:
    kafka = int(os.environ.get("CLUSTER_KAFKA_PORT", "19092"))
    pg = int(os.environ.get("CLUSTER_PG_PORT", "19433"))
    http = int(os.environ.get("CLUSTER_HTTP_PORT", "19001"))
    def dsn(name: str, n: int) -> str:
        return f"postgresql://{name}_user:{name}_pass@127.0.0.1:{pg + n}/{name}_db"

    return StackSettings(
        stack_dir=Path(os.environ.get("CLUSTER_STACK_DIR", ROOT / ".stack" / "cluster")),
        kafka_bootstrap_servers=f"127.0.0.1:{kafka}", http_host="127.0.0.1",
        order_http_port=http, payment_http_port=http + 1, inventory_http_port=http + 2,
        order_db_dsn=dsn("order", 0), payment_db_dsn=dsn("payment", 1),
        inventory_db_dsn=dsn("inventory", 2))


@pytest.fixture(scope="session")
def cluster_stack() -> Iterator[Stack]:
    """A fresh stack of three brokers and two replicas per service (static membership),
    stopped and wiped at the end."""
    stack = Stack(cluster_settings(), shape=Shape(brokers=3, replicas=2))
    try:
        stack.wipe()
        stack.record_shape()
        stack.start_infra()
        stack.start_services()
    except StackError as err:
        stack.stop_all()
        pytest.fail(f"cluster stack: {err}\n{err.detail}", pytrace=False)
    yield stack
    stack.wipe()


@pytest.fixture
def cluster(cluster_stack: Stack) -> Stack:
    """The session's stack at full health (`health.restore`), whatever the case before
    left down or changed: so the cases pass in any order."""
    health.restore(cluster_stack)
    return cluster_stack

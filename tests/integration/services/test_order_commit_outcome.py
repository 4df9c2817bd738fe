"""POST /orders on real Postgres when the connection is lost during COMMIT. The COMMIT is
held open on purpose (a deferred trigger that sleeps) and the client's connection is cut
while it runs; the server goes on and decides. The answer is 201 if the order committed, 503
(retry) only if it certainly did not, and 500 naming the order while that is not known yet:
never "nothing was written" for an order that lands a moment later."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from sagaline.core.runtime.compose import migrations_of
from sagaline.devstack import Stack
from sagaline.seed_saga.order.repository import PostgresOrderUnitOfWork
from sagaline.seed_saga.order.settings import OrderSettings
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from tests.composition import order as bootstrap
from tests.integration.commit_cut import (
    cut_during_commit,
    forwarded,
    hold_commits,
    wait_until,
)
from tests.integration.conftest import scratch_schema

ORDER_BODY = {"userId": "u-commit-outcome", "totalAmount": 20}
HELD_S = 2.0  # how long each COMMIT is held: far longer than a lookup takes


class ImpatientOrderUnitOfWork(PostgresOrderUnitOfWork):
    """Waits for a lost COMMIT's outcome for less time than the COMMIT is held."""

    outcome_wait_s = 0.2


@pytest.fixture
def order_dsn(stack: Stack) -> Iterator[str]:
    with scratch_schema(stack.settings.dsn("order"), migrations_of(SAGA.service("order"))) as dsn:
        yield dsn


def orders_in(dsn: str) -> list[uuid.UUID]:
    with psycopg.connect(dsn) as conn:
        return [r[0] for r in conn.execute("SELECT order_id FROM orders")]


def post_order_cut_during_commit(
        dsn: str, uow_class: type[PostgresOrderUnitOfWork] = PostgresOrderUnitOfWork
) -> tuple[int, dict[str, str], dict[str, str]]:
    """POST /orders through a forwarder that is cut while the order's COMMIT is held."""
    name = f"order-cut-{uuid.uuid4().hex[:8]}"
    with (forwarded(dsn) as forwarder,
          ConnectionPool(forwarder.dsn, min_size=1, max_size=2,
                         kwargs={"autocommit": True, "application_name": name}) as pool):
        service = bootstrap(OrderSettings(db_dsn=dsn),
                            unit_of_work=lambda: uow_class(pool, SAGA.statuses),
                            publisher=InMemoryPublisher(), source=InMemorySource())
        client = TestClient(service.app, raise_server_exceptions=False)
        with cut_during_commit(forwarder, dsn, name):
            response = client.post("/orders", json=ORDER_BODY)
        return response.status_code, dict(response.headers), response.json()


def test_an_order_that_commits_after_its_connection_was_cut_is_a_201(order_dsn: str) -> None:
    hold_commits(order_dsn, "orders", HELD_S)
    status, _, body = post_order_cut_during_commit(order_dsn)
    assert (status, body) == (201, {"orderId": body.get("orderId"), "status": "PENDING"})
    assert orders_in(order_dsn) == [uuid.UUID(body["orderId"])]


def test_an_order_still_committing_at_the_deadline_is_a_500_naming_it_never_a_503(
        order_dsn: str) -> None:
    hold_commits(order_dsn, "orders", HELD_S)
    status, headers, body = post_order_cut_during_commit(order_dsn, ImpatientOrderUnitOfWork)
    assert status == 500 and "retry-after" not in headers, body
    assert "may have been written" in body["error"]
    assert wait_until(lambda: len(orders_in(order_dsn)) == 1)  # it lands: a 503 would lie
    assert str(orders_in(order_dsn)[0]) in body["error"]


def test_an_order_whose_commit_failed_after_the_cut_is_a_503_and_nothing_is_written(
        order_dsn: str) -> None:
    hold_commits(order_dsn, "orders", HELD_S, then_fail=True)
    status, headers, body = post_order_cut_during_commit(order_dsn)
    assert (status, headers["retry-after"]) == (503, "1")
    assert body["error"] == "service unavailable: NotCommitted"  # certainly not written
    assert orders_in(order_dsn) == []


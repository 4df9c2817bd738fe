"""POST /orders on real Postgres when the connection is lost during COMMIT: the order id is
chosen before the transaction, so the route looks it up and answers 201 if the order was
written, and 503 (retry) only when it certainly was not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from sagaline.core.postgres.db import CommitOutcomeUnknown
from sagaline.core.runtime.compose import migrations_of
from sagaline.devstack import Stack
from sagaline.seed_saga.order.repository import PostgresOrderUnitOfWork
from sagaline.seed_saga.order.settings import OrderSettings
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from tests.composition import order as bootstrap
from tests.integration.conftest import scratch_schema

ORDER_BODY = {"userId": "u-commit-outcome", "totalAmount": 20}


class LostAfterCommitting(PostgresOrderUnitOfWork):
    """Fault wrapper: the server committed, then the client lost the connection."""

    def commit(self) -> None:
        super().commit()
        raise CommitOutcomeUnknown("connection lost during COMMIT (injected)")


class LostBeforeCommitting(PostgresOrderUnitOfWork):
    """Its backend is terminated with COMMIT on its way: the transaction rolls back, and the
    client sees only a broken connection."""

    def commit(self) -> None:
        self.conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")  # sent with COMMIT
        super().commit()


@pytest.fixture
def order_dsn(stack: Stack) -> Iterator[str]:
    with scratch_schema(stack.settings.dsn("order"), migrations_of(SAGA.service("order"))) as dsn:
        yield dsn


def orders_in(dsn: str) -> list[uuid.UUID]:
    with psycopg.connect(dsn) as conn:
        return [r[0] for r in conn.execute("SELECT order_id FROM orders")]


def post_order(dsn: str, uow_class: type[PostgresOrderUnitOfWork]) -> tuple[int, dict[str, str],
                                                                             dict[str, str]]:
    with ConnectionPool(dsn, min_size=1, max_size=2, kwargs={"autocommit": True}) as pool:
        service = bootstrap(OrderSettings(db_dsn=dsn),
                            unit_of_work=lambda: uow_class(pool, SAGA.statuses),
                            publisher=InMemoryPublisher(), source=InMemorySource())
        response = TestClient(service.app, raise_server_exceptions=False).post(
            "/orders", json=ORDER_BODY)
        return response.status_code, dict(response.headers), response.json()


def test_an_order_committed_before_the_connection_was_lost_is_a_201(order_dsn: str) -> None:
    status, _, body = post_order(order_dsn, LostAfterCommitting)
    assert status == 201
    assert orders_in(order_dsn) == [uuid.UUID(body["orderId"])]


def test_an_order_whose_backend_died_before_commit_is_a_503_and_nothing_is_written(
        order_dsn: str) -> None:
    status, headers, body = post_order(order_dsn, LostBeforeCommitting)
    assert (status, headers["retry-after"]) == (503, "1")
    assert body["error"] == "service unavailable: NotCommitted"  # looked up: not written
    assert orders_in(order_dsn) == []

"""A COMMIT whose outcome is unknown (the connection was lost while it ran) must not tell a
client to retry: a client without an Idempotency-Key that retries after such a 503 would place
the order twice (or restock twice). An order is looked up by the id chosen before its
transaction: 201 when it was written, 503 only when the lookup proves nothing was; stock has
nothing to look up by, so its unknown outcome is a 500 that says to read the SKU back."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import psycopg
import pytest
from fastapi.testclient import TestClient

from sagaline.core.postgres.db import CommitOutcomeUnknown
from sagaline.seed_saga.inventory.fakes import FakeInventoryUnitOfWork
from sagaline.seed_saga.inventory.settings import InventorySettings
from sagaline.seed_saga.order.fakes import FakeOrderUnitOfWork
from sagaline.seed_saga.order.settings import OrderSettings
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from tests.composition import inventory as inventory_service
from tests.composition import order as order_service
from tests.service_settings import settings_for

pytestmark = pytest.mark.unit
ORDER = {"userId": "u1", "totalAmount": 20}


class CommitLostAfterWriting(FakeOrderUnitOfWork):
    """The server committed, then the connection broke before the client heard it."""

    def __init__(self) -> None:
        super().__init__(SAGA.statuses)

    def commit(self) -> None:
        super().commit()
        raise CommitOutcomeUnknown("server closed the connection during COMMIT")


class CommitLostBeforeWriting(FakeOrderUnitOfWork):
    """The connection broke before the server committed: the transaction rolled back."""

    def __init__(self) -> None:
        super().__init__(SAGA.statuses)

    def __enter__(self) -> CommitLostBeforeWriting:
        self._before = dict(self.orders.rows)
        return super().__enter__()

    def commit(self) -> None:
        self.orders.rows = self._before
        raise CommitOutcomeUnknown("server closed the connection during COMMIT")


class LookupFailsToo(CommitLostAfterWriting):
    """After the lost COMMIT the database stays unreachable: the outcome cannot be known."""

    entered = 0

    def __enter__(self) -> LookupFailsToo:
        self.entered += 1
        if self.entered > 1:
            raise psycopg.OperationalError("connection refused")
        return super().__enter__()


def order_client(uow: FakeOrderUnitOfWork) -> TestClient:
    service = order_service(settings_for(OrderSettings), unit_of_work=lambda: uow,
                            publisher=InMemoryPublisher(), source=InMemorySource())
    return TestClient(service.app, raise_server_exceptions=False)


def test_an_order_committed_before_the_connection_broke_is_a_201_not_a_503() -> None:
    uow = CommitLostAfterWriting()
    response = order_client(uow).post("/orders", json=ORDER)
    assert response.status_code == 201
    assert list(uow.orders.rows) == [uuid.UUID(response.json()["orderId"])]
    assert [e.topic for e in uow.committed] == ["order.created"]


def test_an_order_that_certainly_was_not_written_is_a_503() -> None:
    uow = CommitLostBeforeWriting()
    client = order_client(uow)
    response = client.post("/orders", json=ORDER)
    assert (response.status_code, response.headers["retry-after"]) == (503, "1")
    assert uow.orders.rows == {}


def test_an_outcome_that_cannot_be_looked_up_is_a_500_never_a_503() -> None:
    uow = LookupFailsToo()
    response = order_client(uow).post("/orders", json=ORDER)
    assert response.status_code == 500 and "retry-after" not in response.headers
    assert "may have been written" in response.json()["error"]


class RestockLostAfterWriting(FakeInventoryUnitOfWork):
    def __init__(self, stock: Mapping[str, int], lose: BaseException) -> None:
        super().__init__(stock)
        self.lose = lose

    def commit(self) -> None:
        super().commit()
        raise self.lose


ADMIN = {"X-API-Key": "test-admin-key"}  # restocking needs an admin key


def inventory_client(uow: FakeInventoryUnitOfWork) -> TestClient:
    settings = settings_for(InventorySettings, admin_api_keys=ADMIN["X-API-Key"])
    service = inventory_service(settings, unit_of_work=lambda: uow,
                                publisher=InMemoryPublisher(), source=InMemorySource())
    return TestClient(service.app, raise_server_exceptions=False, headers=ADMIN)


def test_a_restock_with_an_unknown_outcome_is_not_a_503() -> None:
    uow = RestockLostAfterWriting({"A": 10}, CommitOutcomeUnknown("connection lost"))
    response = inventory_client(uow).post("/stock/A", json={"quantity": 5})
    assert response.status_code == 500 and "retry-after" not in response.headers
    assert "GET /stock/A" in response.json()["error"]
    level = uow.stock.get("A")
    assert level is not None and level.on_hand == 15  # written once; no retry is invited


def test_a_restock_that_certainly_failed_is_a_503() -> None:
    uow = RestockLostAfterWriting({"A": 10}, psycopg.errors.SerializationFailure("retry"))
    response = inventory_client(uow).post("/stock/A", json={"quantity": 5})
    assert (response.status_code, response.headers["retry-after"]) == (503, "1")

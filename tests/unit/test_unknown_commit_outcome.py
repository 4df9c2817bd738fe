"""A COMMIT whose outcome is unknown (the connection was lost while it ran) must not tell a
client to retry: a client without an Idempotency-Key that retries after such a 503 would place
the order twice (or restock twice). Placing an order asks its unit of work to find the outcome
out from the server (core.postgres.commit_outcome; tested on real Postgres in
tests/integration/*/test_*commit_outcome.py): 503 only when the server said it aborted, else a
500 naming the order id chosen before the transaction. A restock's unknown outcome is a 500
that says to read the SKU back."""

from __future__ import annotations

from collections.abc import Mapping

import psycopg
import pytest
from fastapi.testclient import TestClient

from sagaline.core.postgres.db import CommitOutcomeUnknown, NotCommitted
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
    """The connection broke during COMMIT, and the server did not say in time whether it
    committed (this one did: a lookup would find the order, and could as well not yet)."""

    def __init__(self) -> None:
        super().__init__(SAGA.statuses)
        self.asked_to_know: list[int] = []  # the number of commits when know_outcome came

    def know_outcome(self) -> None:
        self.asked_to_know.append(self.commits)

    def commit(self) -> None:
        super().commit()
        raise CommitOutcomeUnknown("server closed the connection during COMMIT")


class CommitAborted(FakeOrderUnitOfWork):
    """The connection broke during COMMIT, and the server then said the transaction aborted."""

    def __init__(self) -> None:
        super().__init__(SAGA.statuses)

    def commit(self) -> None:
        self.rollback()
        raise NotCommitted("the transaction aborted")


def order_client(uow: FakeOrderUnitOfWork) -> TestClient:
    service = order_service(settings_for(OrderSettings), unit_of_work=lambda: uow,
                            publisher=InMemoryPublisher(), source=InMemorySource())
    return TestClient(service.app, raise_server_exceptions=False)


def test_an_order_whose_commit_outcome_stays_unknown_is_a_500_naming_it_never_a_503() -> None:
    uow = CommitLostAfterWriting()
    response = order_client(uow).post("/orders", json=ORDER)
    assert response.status_code == 500 and "retry-after" not in response.headers
    [order_id] = uow.orders.rows
    assert f"order {order_id} may have been written" in response.json()["error"]


def test_placing_an_order_asks_to_know_the_outcome_of_its_commit() -> None:
    uow = CommitLostAfterWriting()
    order_client(uow).post("/orders", json=ORDER)
    assert uow.asked_to_know == [0]  # in the order's transaction, before its commit


def test_an_order_the_server_says_was_not_committed_is_a_503() -> None:
    uow = CommitAborted()
    response = order_client(uow).post("/orders", json=ORDER)
    assert (response.status_code, response.headers["retry-after"]) == (503, "1")
    assert response.json()["error"] == "service unavailable: NotCommitted"
    assert uow.orders.rows == {}


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

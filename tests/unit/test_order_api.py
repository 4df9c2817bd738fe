"""The order service's HTTP API, through bootstrap with fakes (no Kafka, no Postgres)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sagaline.seed_saga.order.fakes import FakeOrderUnitOfWork
from sagaline.seed_saga.order.settings import OrderSettings
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from tests.composition import order as bootstrap
from tests.service_settings import settings_for

pytestmark = pytest.mark.unit


@pytest.fixture
def uow() -> FakeOrderUnitOfWork:
    return FakeOrderUnitOfWork(SAGA.statuses)


@pytest.fixture
def client(uow: FakeOrderUnitOfWork) -> TestClient:
    settings = settings_for(OrderSettings, max_body_bytes=4096)
    service = bootstrap(settings, unit_of_work=lambda: uow, publisher=InMemoryPublisher(),
                        source=InMemorySource())
    return TestClient(service.app)  # no `with`: the lifespan (workers) does not start


def test_the_seed_readmes_request_is_accepted(client: TestClient,
                                              uow: FakeOrderUnitOfWork) -> None:
    response = client.post("/orders", json={"userId": "u1", "totalAmount": 500})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"orderId", "status"} and body["status"] == "PENDING"
    assert uow.orders.rows[uuid.UUID(body["orderId"])].user_id == "u1"
    assert [e.topic for e in uow.committed] == ["order.created"]


def test_an_order_reads_back(client: TestClient) -> None:
    order_id = client.post("/orders", json={"userId": "u1", "totalAmount": 12.5,
                                            "items": [{"sku": "A", "quantity": 2}]}
                           ).json()["orderId"]
    view = client.get(f"/orders/{order_id}").json()
    assert view["status"] == "PENDING" and view["totalAmount"] == 12.5
    assert view["items"] == [{"sku": "A", "quantity": 2}]
    assert [o["orderId"] for o in client.get("/orders?status=PENDING").json()] == [order_id]
    assert client.get("/orders?status=CONFIRMED").json() == []


def test_an_unknown_order_is_404(client: TestClient) -> None:
    response = client.get(f"/orders/{uuid.uuid4()}")
    assert response.status_code == 404 and "no order" in response.json()["error"]


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"totalAmount": 5}, 422, "userId"),
    ({"userId": "u1"}, 422, "totalAmount"),
    ({"userId": "u1", "totalAmount": "5"}, 422, "totalAmount"),
    ({"userId": "u1", "totalAmount": True}, 422, "totalAmount"),
    ({"userId": 7, "totalAmount": 5}, 422, "userId"),
    ({"userId": "u1", "totalAmount": 0}, 422, "totalAmount"),
    ({"userId": "u1", "totalAmount": -3}, 422, "totalAmount"),
    ({"userId": "u1", "totalAmount": 1.234}, 422, "totalAmount"),
    ({"userId": "u1", "totalAmount": 1_000_000_000_000}, 422, "totalAmount"),
    ({"userId": "u1", "totalAmount": 5, "items": [{"sku": "A", "quantity": "2"}]}, 422,
     "items.0.quantity"),
    ({"userId": "u1", "totalAmount": 5, "items": [{"sku": "A", "quantity": 1.5}]}, 422,
     "items.0.quantity"),
    ({"userId": "", "totalAmount": 5}, 422, "userId"),
    ({"userId": "u1", "totalAmount": 5, "items": [{"sku": "A", "quantity": 0}]}, 422,
     "items.0.quantity"),
    ({"userId": "u1", "totalAmount": 5, "items": [{"sku": "A"}]}, 422, "items.0.quantity"),
    # Postgres cannot store U+0000 (the fuzz tier found it as a 500)
    ({"userId": "u\u0000", "totalAmount": 5}, 422, "userId"),
    ({"userId": "u1", "totalAmount": 5, "items": [{"sku": "A\u0000", "quantity": 1}]}, 422,
     "items.0.sku"),
])
def test_bad_fields_are_refused_and_write_nothing(
        client: TestClient, uow: FakeOrderUnitOfWork, body: dict[str, Any], status: int,
        field: str) -> None:
    response = client.post("/orders", json=body)
    assert response.status_code == status
    assert field in [d["field"] for d in response.json()["details"]]
    assert uow.orders.rows == {} and uow.committed == []


def test_malformed_json_is_400(client: TestClient, uow: FakeOrderUnitOfWork) -> None:
    response = client.post("/orders", content=b'{"userId": "u1",',
                           headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "request body is not valid JSON"
    assert uow.orders.rows == {}


def test_an_oversized_body_is_413(client: TestClient, uow: FakeOrderUnitOfWork) -> None:
    big = {"userId": "u1", "totalAmount": 5, "pad": "x" * 10_000}
    assert client.post("/orders", json=big).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"userId": "u1", "totalAmount": 5, "pad": "'
        for _ in range(20):
            yield b"x" * 1000
        yield b'"}'

    response = client.post("/orders", content=chunks(),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert uow.orders.rows == {}


def test_an_idempotency_key_gives_one_order_and_the_same_answer(
        client: TestClient, uow: FakeOrderUnitOfWork) -> None:
    request = {"userId": "u1", "totalAmount": 5}
    answers = [client.post("/orders", json=request, headers={"Idempotency-Key": "k"})
               for _ in range(3)]
    assert {a.status_code for a in answers} == {201}
    assert len({a.text for a in answers}) == 1 and len(uow.orders.rows) == 1
    other = client.post("/orders", json={**request, "totalAmount": 6},
                        headers={"Idempotency-Key": "k"})
    assert other.status_code == 409 and len(uow.orders.rows) == 1
    assert "different request" in other.json()["error"]


def test_what_the_schema_allows_is_accepted(client: TestClient) -> None:
    # A cent amount and a whole float count: numbers the schema calls valid.
    response = client.post("/orders", json={"userId": "u1", "totalAmount": 0.57,
                                            "items": [{"sku": "A", "quantity": 2.0}]})
    assert response.status_code == 201
    view = client.get(f"/orders/{response.json()['orderId']}").json()
    assert view["totalAmount"] == 0.57 and view["items"] == [{"sku": "A", "quantity": 2}]


def test_the_schema_documents_each_answer(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    place = paths["/orders"]["post"]
    assert set(place["responses"]) == {"201", "400", "409", "413", "422", "500", "503"}
    assert place["responses"]["201"]["links"]["GetOrder"]["operationId"] == "get_order"
    assert "Retry-After" in place["responses"]["503"]["headers"]
    assert set(paths["/orders/{order_id}"]["get"]["responses"]) == {"200", "404", "422", "503"}
    amount = client.get("/openapi.json").json()["components"]["schemas"]["OrderRequest"]
    assert amount["properties"]["totalAmount"]["type"] == "number"


def test_a_405_names_the_methods_of_the_path(client: TestClient) -> None:
    response = client.delete("/orders")
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready"}

"""The inventory service's HTTP API, through bootstrap with fakes (no Kafka, no Postgres)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from sagaline.seed_saga.inventory.fakes import FakeInventoryUnitOfWork
from sagaline.seed_saga.inventory.repository import Reservation
from sagaline.seed_saga.inventory.settings import InventorySettings
from sagaline.seed_saga.inventory.status import ReservationStatus
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from tests.composition import inventory as bootstrap
from tests.service_settings import settings_for

pytestmark = pytest.mark.unit
O1 = uuid.UUID("00000000-0000-4000-8000-000000000001")
ADMIN = {"X-API-Key": "test-admin-key"}


@pytest.fixture
def uow() -> FakeInventoryUnitOfWork:
    uow = FakeInventoryUnitOfWork({"A": 10})
    uow.reservations.add(Reservation(O1, ReservationStatus.RESERVED, [{"sku": "A", "quantity": 2}]))
    return uow


@pytest.fixture
def client(uow: FakeInventoryUnitOfWork) -> TestClient:
    service = bootstrap(settings_for(InventorySettings, max_body_bytes=4096,
                                     admin_api_keys=ADMIN["X-API-Key"]),
                        unit_of_work=lambda: uow, publisher=InMemoryPublisher(),
                        source=InMemorySource())
    return TestClient(service.app, headers=ADMIN)


def test_a_whole_float_restocks_and_reads_back(client: TestClient) -> None:
    # 149514.0 is an integer by JSON Schema's rules (schemathesis found it refused).
    added = client.post("/stock/B", json={"quantity": 149514.0})
    assert added.status_code == 200 and added.json() == {
        "sku": "B", "initial": 149514, "onHand": 149514}
    assert client.get("/stock/B").json() == added.json()
    assert client.get(f"/reservations/{O1}").json()["items"] == [{"sku": "A", "quantity": 2}]


@pytest.mark.parametrize("body", [
    {"quantity": "5"}, {"quantity": True}, {"quantity": 0}, {"quantity": 2.5},
    {"quantity": 1_000_000_001}, {},
])
def test_bad_restocks_are_422_and_write_nothing(client: TestClient,
                                                uow: FakeInventoryUnitOfWork,
                                                body: dict[str, object]) -> None:
    response = client.post("/stock/A", json=body)
    assert response.status_code == 422 and response.json()["details"]
    assert uow.stock.rows["A"].initial == 10 and uow.committed == []


def test_a_sku_past_the_integer_column_is_409_and_writes_nothing(
        client: TestClient, uow: FakeInventoryUnitOfWork) -> None:
    for _ in range(2):
        assert client.post("/stock/A", json={"quantity": 1_000_000_000}).status_code == 200
    full = client.post("/stock/A", json={"quantity": 1_000_000_000})
    assert full.status_code == 409 and "more than" in full.json()["error"]
    assert uow.stock.rows["A"].initial == 2_000_000_010


@pytest.mark.parametrize(("path", "status"), [
    ("/stock/nope", 404), (f"/reservations/{uuid.uuid4()}", 404), ("/reservations/nope", 422),
    ("/stock/a%00b", 422),
    ("/stock/" + "x" * 65, 422),
])
def test_unknown_or_impossible_ids_are_refused(client: TestClient, path: str,
                                               status: int) -> None:
    response = client.get(path)
    assert response.status_code == status and response.json()["error"]


def test_a_405_names_get_and_post(client: TestClient) -> None:
    # Starlette named only the first route's (GET) though POST serves the same path.
    response = client.request("OPTIONS", "/stock/A")
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"


def test_the_schema_documents_each_answer_and_links_restock_to_read(
        client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    add = schema["paths"]["/stock/{sku}"]["post"]
    assert set(add["responses"]) == {"200", "400", "401", "403", "409", "413", "422", "500",
                                     "503"}
    assert add["security"] == [{"ApiKey": []}]
    assert add["responses"]["200"]["links"]["GetStock"]["operationId"] == "get_stock"
    assert schema["components"]["schemas"]["Restock"]["properties"]["quantity"] == {
        "type": "integer", "exclusiveMinimum": 0, "maximum": 1_000_000_000, "title": "Quantity"}

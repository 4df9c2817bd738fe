"""The payment service's HTTP API, through bootstrap with fakes (no Kafka, no Postgres)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from sagaline.core.messages import InMemorySource
from sagaline.core.publisher import InMemoryPublisher
from sagaline.services.payment.bootstrap import bootstrap
from sagaline.services.payment.repository import Payment
from sagaline.settings import Settings
from tests.fakes import FakePaymentUnitOfWork

pytestmark = pytest.mark.unit


@pytest.fixture
def uow() -> FakePaymentUnitOfWork:
    uow = FakePaymentUnitOfWork()
    uow.accounts.debit("u1", Decimal("12.50"), Decimal(100))
    uow.payments.add(Payment("o1", "u1", Decimal("12.50"), "CHARGED"))
    return uow


@pytest.fixture
def client(uow: FakePaymentUnitOfWork) -> TestClient:
    service = bootstrap(Settings(max_body_bytes=4096), unit_of_work=lambda: uow,
                        publisher=InMemoryPublisher(), source=InMemorySource())
    return TestClient(service.app)


def test_a_payment_and_its_payers_account_read_back(client: TestClient) -> None:
    payment = client.get("/payments/o1").json()
    assert payment["amount"] == 12.5 and payment["status"] == "CHARGED"
    account = client.get(f"/accounts/{payment['userId']}").json()
    assert account == {"userId": "u1", "balance": 87.5, "initialCredit": 100}


@pytest.mark.parametrize(("path", "status"), [
    ("/payments/nope", 404), ("/accounts/nope", 404),
    ("/payments/a%00b", 422), ("/accounts/" + "x" * 201, 422),
])
def test_unknown_or_impossible_ids_are_refused(client: TestClient, path: str,
                                               status: int) -> None:
    response = client.get(path)
    assert response.status_code == status and response.json()["error"]


def test_the_schema_documents_each_answer_and_links_payer(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    read = paths["/payments/{order_id}"]["get"]
    assert set(read["responses"]) == {"200", "404", "422", "503"}
    link = read["responses"]["200"]["links"]["GetPayerAccount"]
    assert link == {"operationId": "get_account",
                    "parameters": {"user_id": "$response.body#/userId"}}
    assert client.post("/payments/o1").headers["allow"] == "GET"

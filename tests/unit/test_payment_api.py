"""The payment service's HTTP API, through bootstrap with fakes (no Kafka, no Postgres)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from sagaline.seed_saga.payment.fakes import FakePaymentUnitOfWork
from sagaline.seed_saga.payment.repository import Payment
from sagaline.seed_saga.payment.settings import PaymentSettings
from sagaline.seed_saga.payment.status import PaymentStatus
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from tests.composition import payment as bootstrap
from tests.service_settings import settings_for

pytestmark = pytest.mark.unit
O1 = uuid.UUID("00000000-0000-4000-8000-000000000001")


@pytest.fixture
def uow() -> FakePaymentUnitOfWork:
    uow = FakePaymentUnitOfWork()
    uow.accounts.debit("u1", Decimal("12.50"), Decimal(100))
    uow.payments.add(Payment(O1, "u1", Decimal("12.50"), PaymentStatus.CHARGED))
    return uow


@pytest.fixture
def client(uow: FakePaymentUnitOfWork) -> TestClient:
    service = bootstrap(settings_for(PaymentSettings, max_body_bytes=4096),
                        unit_of_work=lambda: uow, publisher=InMemoryPublisher(),
                        source=InMemorySource())
    return TestClient(service.app)


def test_a_payment_and_its_payers_account_read_back(client: TestClient) -> None:
    payment = client.get(f"/payments/{O1}").json()
    assert payment["amount"] == 12.5 and payment["status"] == "CHARGED"
    account = client.get(f"/accounts/{payment['userId']}").json()
    assert account == {"userId": "u1", "balance": 87.5, "initialCredit": 100}


@pytest.mark.parametrize(("path", "status"), [
    (f"/payments/{uuid.uuid4()}", 404), ("/payments/nope", 422), ("/accounts/nope", 404),
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
    assert client.post(f"/payments/{O1}").headers["allow"] == "GET"

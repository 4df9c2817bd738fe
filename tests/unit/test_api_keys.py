"""Who may call what (core/auth.py): admin routes need an admin key, the others a client key
when the service requires one; /ready tells an anonymous caller only that it is not ready."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from sagaline.core.http import app as web
from sagaline.core.http import auth
from sagaline.seed_saga.inventory.fakes import FakeInventoryUnitOfWork
from sagaline.seed_saga.inventory.settings import InventorySettings
from sagaline.seed_saga.order.fakes import FakeOrderUnitOfWork
from sagaline.seed_saga.order.settings import OrderSettings
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from tests.composition import inventory as inventory
from tests.composition import order as order
from tests.service_settings import settings_for

pytestmark = pytest.mark.unit
ADMIN, CLIENT = "admin-key-1", "client-key-1"
ORDER = {"userId": "u1", "totalAmount": 5}


def _inventory(**keys: str) -> tuple[TestClient, FakeInventoryUnitOfWork]:
    uow = FakeInventoryUnitOfWork({"A": 10})
    service = inventory(settings_for(InventorySettings, **keys), unit_of_work=lambda: uow,
                        publisher=InMemoryPublisher(), source=InMemorySource())
    return TestClient(service.app), uow


def _order(**settings: object) -> TestClient:
    uow = FakeOrderUnitOfWork(SAGA.statuses)
    service = order(settings_for(OrderSettings, **settings), unit_of_work=lambda: uow,
                    publisher=InMemoryPublisher(), source=InMemorySource())
    return TestClient(service.app)


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401), ({"X-API-Key": "wrong"}, 401), ({"X-API-Key": CLIENT}, 403),
    ({"X-API-Key": ADMIN[:-1]}, 401), ({"X-API-Key": ""}, 401),
])
def test_restocking_without_an_admin_key_is_refused_and_writes_nothing(
        headers: dict[str, str], status: int) -> None:
    client, uow = _inventory(admin_api_keys=f"other,{ADMIN}", api_keys=CLIENT)
    response = client.post("/stock/A", json={"quantity": 5}, headers=headers)
    assert response.status_code == status and response.json()["error"]
    if status == 401:
        assert response.headers["www-authenticate"] == "APIKey"
    assert uow.stock.rows["A"].initial == 10 and uow.committed == []


def test_an_admin_key_restocks_and_reads_need_none() -> None:
    client, _ = _inventory(admin_api_keys=f"other, {ADMIN}")
    assert client.post("/stock/A", json={"quantity": 5},
                       headers={"X-API-Key": ADMIN}).json()["initial"] == 15
    assert client.get("/stock/A").status_code == 200


def test_without_admin_keys_nobody_restocks() -> None:
    client, _ = _inventory()
    assert client.post("/stock/A", json={"quantity": 5},
                       headers={"X-API-Key": ""}).status_code == 401


def test_orders_need_a_key_only_when_required_and_the_schema_says_so() -> None:
    open_ = _order()
    assert open_.post("/orders", json=ORDER).status_code == 201
    assert "security" not in open_.get("/openapi.json").json()["paths"]["/orders"]["post"]

    closed = _order(require_api_key=True, api_keys=CLIENT, admin_api_keys=ADMIN)
    assert closed.post("/orders", json=ORDER).status_code == 401
    assert closed.get("/orders").status_code == 401
    for key in (CLIENT, ADMIN):
        assert closed.post("/orders", json=ORDER, headers={"X-API-Key": key}).status_code == 201
    assert closed.get("/health").status_code == 200  # probes carry no key
    post = closed.get("/openapi.json").json()["paths"]["/orders"]["post"]
    assert post["security"] == [{"ApiKey": []}] and "401" in post["responses"]


def test_requiring_a_key_with_none_configured_is_a_configuration_error() -> None:
    with pytest.raises(ValidationError, match="REQUIRE_API_KEY"):
        settings_for(OrderSettings, require_api_key=True)


def test_keys_come_comma_separated_from_the_environment_and_never_show(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_API_KEYS", f" {ADMIN} ,second")
    settings = settings_for(OrderSettings)
    assert [k.get_secret_value() for k in settings.admin_api_keys] == [ADMIN, "second"]
    assert ADMIN not in repr(settings) and ADMIN not in str(settings)
    assert ADMIN not in repr(auth.Keys(settings.admin_api_keys))


def _failing_app() -> TestClient:
    app = web.create_app("t", [], [lambda: "db: connection refused at 10.0.0.5"], 4096,
                         access=auth.Access(auth.Keys([ADMIN])))
    return TestClient(app)


def test_ready_shows_what_is_wrong_only_to_an_admin_and_to_the_log(
        caplog: pytest.LogCaptureFixture) -> None:
    client = _failing_app()
    with caplog.at_level(logging.WARNING):
        anonymous = client.get("/ready")
    assert anonymous.status_code == 503
    assert anonymous.json() == {"status": "unavailable", "problems": [web.NOT_SAYING]}
    assert "10.0.0.5" in caplog.text
    for wrong in ("", "nope"):
        assert "10.0.0.5" not in client.get("/ready", headers={"X-API-Key": wrong}).text
    admin = client.get("/ready", headers={"X-API-Key": ADMIN})
    assert admin.json()["problems"] == ["db: connection refused at 10.0.0.5"]


def test_ready_declares_its_key_optional() -> None:
    ready = _failing_app().get("/openapi.json").json()["paths"]["/ready"]["get"]
    assert ready["security"] == [{"ApiKey": []}, {}]

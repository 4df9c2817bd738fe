"""What a person (or a hostile client) gets wrong, case by case, against the running services:
each is refused with the documented status and the one error shape, and writes nothing."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.fuzz.conftest import Apis, Footprint

pytestmark = pytest.mark.fuzz

BIG = b'"' + b"x" * 2_000_000 + b'"'


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b'{"userId": "u1", "totalAmount": ', "application/json", 400),
    (b'{"userId": "\xff\xfe", "totalAmount": 5}', "application/json", 400),
    (b'{"userId": "u1"}', "application/json", 422),
    (b'{"userId": 5, "totalAmount": 5}', "application/json", 422),
    (b'{"userId": "u1", "totalAmount": "5"}', "application/json", 422),
    (b'{"userId": "u1", "totalAmount": true}', "application/json", 422),
    (b'{"userId": "u1", "totalAmount": 0}', "application/json", 422),
    (b'{"userId": "u1", "totalAmount": -1}', "application/json", 422),
    (b'{"userId": "u1", "totalAmount": 1.234}', "application/json", 422),
    (b'{"userId": "u1", "totalAmount": 1e400}', "application/json", 422),
    (b'{"userId": "u1", "totalAmount": 1000000000000}', "application/json", 422),
    (b'{"userId": "u\\u0000", "totalAmount": 5}', "application/json", 422),
    (b'{"userId": "u1", "totalAmount": 5, "items": [{"sku": "A", "quantity": 0}]}',
     "application/json", 422),
    (b'{"userId": "u1", "totalAmount": 5, "items": [{"sku": "A", "quantity": "2"}]}',
     "application/json", 422),
    (b'{"userId": "u1", "totalAmount": 5, "items": [{"sku": "A", "quantity": 1.5}]}',
     "application/json", 422),
    (b"userId=u1&totalAmount=5", "application/x-www-form-urlencoded", 422),
    (b"[]", "application/json", 422),
    (b'{"userId": "u1", "totalAmount": 5, "pad": ' + BIG + b"}", "application/json", 413),
])
def test_bad_orders_are_refused_and_write_nothing(
        apis: Apis, order_writes: Footprint, body: bytes, content_type: str,
        status: int) -> None:
    before = order_writes()
    response = httpx.post(f"{apis.order}/orders", content=body,
                          headers={"content-type": content_type}, timeout=30)
    assert response.status_code == status, response.text
    assert response.json()["error"]
    assert order_writes() == before


def test_a_reused_idempotency_key_is_409_and_writes_nothing(
        apis: Apis, order_writes: Footprint) -> None:
    key = {"Idempotency-Key": f"fuzz-{uuid.uuid4()}"}  # key and user fresh: the test does
    order = {"userId": f"fuzz-{uuid.uuid4().hex[:12]}", "totalAmount": 5}  # not depend on
    # what earlier runs left (a shared user's balance drains run after run)
    first = httpx.post(f"{apis.order}/orders", json=order, headers=key)
    assert first.status_code == 201
    before = order_writes()
    again = httpx.post(f"{apis.order}/orders", json={**order, "totalAmount": 6}, headers=key)
    assert again.status_code == 409 and "different request" in again.json()["error"]
    assert order_writes() == before


@pytest.mark.parametrize(("path", "status"), [
    ("/payments/a%00b", 422),
    ("/payments/" + "x" * 201, 422),
    ("/payments/no-such-order", 422),  # order ids are UUIDs
    (f"/payments/{uuid.uuid4()}", 404),
    ("/accounts/u%00", 422),
    ("/accounts/" + "x" * 201, 422),
    ("/accounts/no-such-user-" + uuid.uuid4().hex, 404),
])
def test_bad_payment_reads_are_refused(apis: Apis, path: str, status: int) -> None:
    response = httpx.get(f"{apis.payment}{path}")
    assert response.status_code == status, response.text
    assert response.json()["error"]


@pytest.mark.parametrize(("sku", "body", "status"), [
    ("A", b'{"quantity": ', 400),
    ("A", b'{"quantity": "5"}', 422),
    ("A", b'{"quantity": true}', 422),
    ("A", b'{"quantity": 0}', 422),
    ("A", b'{"quantity": 2.5}', 422),
    ("A", b'{"quantity": 1000000001}', 422),
    ("A", b"{}", 422),
    ("a%00b", b'{"quantity": 1}', 422),
    ("x" * 65, b'{"quantity": 1}', 422),
    ("A", b'{"quantity": 1, "pad": ' + BIG + b"}", 413),
])
def test_bad_restocks_are_refused_and_write_nothing(
        apis: Apis, stock_writes: Footprint, sku: str, body: bytes, status: int) -> None:
    before = stock_writes()
    response = httpx.post(f"{apis.inventory}/stock/{sku}", content=body,
                          headers={"content-type": "application/json", **apis.admin},
                          timeout=30)
    assert response.status_code == status, response.text
    assert response.json()["error"]
    assert stock_writes() == before


def test_a_whole_float_is_an_integer_and_a_full_sku_is_409(
        apis: Apis, stock_writes: Footprint) -> None:
    stock = f"{apis.inventory}/stock/FUZZ-{uuid.uuid4().hex[:8]}"
    def add(quantity: float) -> httpx.Response:
        return httpx.post(stock, json={"quantity": quantity}, headers=apis.admin)

    assert add(149514.0).json()["initial"] == 149514
    assert add(1_000_000_000).status_code == 200
    assert add(1_000_000_000).status_code == 200
    before = stock_writes()
    full = add(1_000_000_000)
    assert full.status_code == 409 and "more than" in full.json()["error"]
    assert stock_writes() == before
    assert httpx.get(stock).json()["initial"] == 2_000_149_514


@pytest.mark.parametrize(("method", "url", "allow"), [
    ("DELETE", "inventory/stock/A", {"GET", "POST"}),
    ("PUT", "order/orders", {"GET", "POST"}),
    ("POST", "payment/payments/x", {"GET"}),
])
def test_a_405_names_every_method_of_the_path(apis: Apis, method: str, url: str,
                                              allow: set[str]) -> None:
    service, path = url.split("/", 1)
    response = httpx.request(method, f"{getattr(apis, service)}/{path}")
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} == allow

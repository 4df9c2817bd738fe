"""Bad input at the order service's HTTP API: schemathesis explores the OpenAPI schema, and
explicit cases cover what a person gets wrong. No 5xx; a rejected request writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err

from sagaline.stack import Stack

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def order_api(services: Stack) -> str:
    return f"http://127.0.0.1:{services.settings.order_http_port}"


@pytest.fixture(scope="module")
def order_schema(order_api: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{order_api}/openapi.json")


@pytest.fixture(scope="module")
def orders_db(services: Stack) -> Iterator[psycopg.Connection]:
    with psycopg.connect(services.settings.order_db_dsn, autocommit=True) as conn:
        yield conn


def order_count(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM orders").fetchone()
    return int(row[0]) if row else 0


Operation = schemathesis.APIOperation[Any, Any, Any, Any]


def operations(order_schema: schemathesis.BaseSchema) -> list[Operation]:
    found = []
    for result in order_schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        found.append(result.ok())
    return found


POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
CASES = [(label, mode) for label in ("POST /orders", "GET /orders/{order_id}", "GET /orders")
         for mode in (POSITIVE, NEGATIVE)] + [("GET /health", POSITIVE), ("GET /ready", POSITIVE)]


@pytest.mark.parametrize(("label", "mode"), CASES)  # no negative input exists without inputs
def test_no_input_makes_the_order_service_fail(
        order_schema: schemathesis.BaseSchema, order_api: str, orders_db: psycopg.Connection,
        label: str, mode: schemathesis.GenerationMode) -> None:
    (operation,) = [op for op in operations(order_schema) if op.label == label]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    def no_server_error(case: schemathesis.Case[Any]) -> None:
        before = order_count(orders_db)
        response = case.call(base_url=order_api)
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400:
            assert order_count(orders_db) == before, "a rejected request wrote something"

    no_server_error()


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b'{"userId": "u1", "totalAmount": ', "application/json", 400),
    (b'{"userId": "u1"}', "application/json", 422),
    (b'{"userId": 5, "totalAmount": 5}', "application/json", 422),
    (b'{"userId": "u1", "totalAmount": "5"}', "application/json", 422),
    (b'{"userId": "u1", "totalAmount": 0}', "application/json", 422),
    (b'{"userId": "u1", "totalAmount": -1}', "application/json", 422),
    (b'{"userId": "u1", "totalAmount": 5, "items": [{"sku": "A", "quantity": 0}]}',
     "application/json", 422),
    (b'{"userId": "u1", "totalAmount": 5, "items": [{"sku": "A", "quantity": -2}]}',
     "application/json", 422),
    (b'{"userId": "\xff\xfe", "totalAmount": 5}', "application/json", 400),
    (b"userId=u1&totalAmount=5", "application/x-www-form-urlencoded", 422),
    (b"[]", "application/json", 422),
    (b'{"userId": "u1", "totalAmount": 5, "pad": "' + b"x" * 2_000_000 + b'"}',
     "application/json", 413),
])
def test_bad_requests_are_refused_and_write_nothing(
        order_api: str, orders_db: psycopg.Connection, body: bytes, content_type: str,
        status: int) -> None:
    before = order_count(orders_db)
    response = httpx.post(f"{order_api}/orders", content=body,
                          headers={"content-type": content_type}, timeout=30)
    assert response.status_code == status, response.text
    assert response.json()["error"]
    assert order_count(orders_db) == before

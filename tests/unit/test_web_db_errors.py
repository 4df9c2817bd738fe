"""Database errors on HTTP routes: what retrying would cure (the database unavailable, busy,
read-only after a failover, not deployed yet) is a 503 with Retry-After on every route; any
other database error is a 500 in the one error shape."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from psycopg import errors

from sagaline.core.http import app as web
from sagaline.core.messaging.retry import is_transient

pytestmark = pytest.mark.unit

# One SQLSTATE of each class core.retry calls transient, and each single code it names.
TRANSIENT_STATES = ["08006", "40001", "40P01", "53300", "55P03", "57014", "57P01", "58030",
                    "25006", "42P01", "42501"]


Answer = tuple[int, dict[str, str], dict[str, Any]]


def answer_to(error: BaseException, method: str = "get") -> Answer:
    router = APIRouter()

    @router.get("/thing")
    def read() -> None:
        raise error

    @router.post("/thing")
    async def write() -> None:
        raise error

    app = web.create_app("t", [router], [], max_body_bytes=1024)
    response = TestClient(app, raise_server_exceptions=False).request(method, "/thing")
    return response.status_code, dict(response.headers), response.json()


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("sqlstate", TRANSIENT_STATES)
def test_every_transient_sqlstate_is_a_503_with_retry_after(sqlstate: str,
                                                            method: str) -> None:
    error = errors.lookup(sqlstate)(f"server says {sqlstate}")
    assert is_transient(error)  # the consumer backs off on the same errors
    status, headers, body = answer_to(error, method)
    assert (status, headers.get("retry-after")) == (503, "1")
    assert body["error"].startswith("service unavailable")


def test_a_read_only_database_after_a_failover_is_a_503() -> None:
    status, headers, _ = answer_to(errors.ReadOnlySqlTransaction(
        "cannot execute INSERT in a read-only transaction"), "post")
    assert status == 503 and headers["retry-after"] == "1"


@pytest.mark.parametrize("sqlstate", ["42601", "54000", "XX000", "23505"])
def test_other_database_errors_are_a_500_in_the_error_shape(sqlstate: str) -> None:
    error = errors.lookup(sqlstate)("a bug, not an outage")
    assert not is_transient(error)
    status, headers, body = answer_to(error)
    assert status == 500 and "retry-after" not in headers
    assert body == {"error": "internal error: the database refused the request"}


def test_a_client_side_connection_failure_without_sqlstate_is_a_503() -> None:
    status, headers, _ = answer_to(psycopg.OperationalError("server closed the connection"))
    assert (status, headers["retry-after"]) == (503, "1")

"""The consistency auditor against the running services of the seed saga: a clean run passes
and reads every declared service's database; an invariant broken on purpose (rows of a
unique user, removed afterwards) is reported with exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import psycopg
import pytest

from sagaline import audit
from sagaline.audit.sources import Audits, dsn
from sagaline.devstack import Stack
from sagaline.seed_saga.payment import step as payment_step
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import env_prefix
from tests.integration.saga.conftest import Saga, new_user

CREDIT = 10_000  # Settings.starting_credit
OWNER, PAYMENT = SAGA.owner, payment_step.SERVICE.name


@pytest.fixture(scope="module")
def saga(services: Stack) -> Iterator[Saga]:
    client = Saga(services)
    yield client
    for http in (client.order, client.payment, client.inventory):
        http.close()


@pytest.fixture
def start() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=1)


def check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sagaline", "check", *args], text=True,
                          capture_output=True, timeout=120, env={**os.environ, **(env or {})})


def test_orders_through_every_path_pass_the_audit(saga: Saga, start: datetime) -> None:
    user, sku = new_user(), saga.new_sku(1)
    placed = [saga.place(user, 20, [(sku, 1)]),          # confirmed
              saga.place(new_user(), CREDIT + 1, [(sku, 1)]),  # payment fails
              saga.place(user, 30, [(sku, 1), (sku, 1)])]  # out of stock: refunded
    report = audit.run(saga.stack.settings, since=start, wait_s=20, saga=SAGA)
    assert report.ok, report.text()
    assert report.counts["orders_total"] >= len(placed)
    for step in Audits.of(SAGA).steps.values():  # each step's records of them were read
        assert report.counts[step.names.records] >= 1, step.names
        assert report.counts[step.names.books] >= 1, step.names
    run = check("--since", start.isoformat(), "--wait", "20", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    body = orjson.loads(run.stdout)
    assert body["ok"] is True and body["violations"] == [] and body["stuck"] == []
    assert body["counts"]["orders"].get("CONFIRMED", 0) >= 1


@pytest.fixture
def broken(saga: Saga) -> Iterator[dict[str, Any]]:
    """A CONFIRMED order nobody paid for, and an account whose balance lost 5 with no charge;
    both of a user no other test knows. Removed at the end."""
    settings = saga.stack.settings
    user, order_id = new_user(), uuid.uuid4()
    with psycopg.connect(dsn(settings, OWNER), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO orders (order_id, user_id, total_amount, status, items, finished_at)"
            " VALUES (%s, %s, 42, 'CONFIRMED', '[]', clock_timestamp())", (order_id, user))
    with psycopg.connect(dsn(settings, PAYMENT), autocommit=True) as conn:
        conn.execute("INSERT INTO accounts (user_id, balance, initial_credit)"
                     " VALUES (%s, %s, %s)", (user, Decimal(95), Decimal(100)))
    yield {"user": user, "order_id": str(order_id)}
    with psycopg.connect(dsn(settings, OWNER), autocommit=True) as conn:
        conn.execute("DELETE FROM orders WHERE order_id = %s", (order_id,))
    with psycopg.connect(dsn(settings, PAYMENT), autocommit=True) as conn:
        conn.execute("DELETE FROM accounts WHERE user_id = %s", (user,))


def test_a_broken_invariant_is_reported_with_exit_1(start: datetime,
                                                    broken: dict[str, Any]) -> None:
    run = check("--since", start.isoformat(), "--json")
    assert run.returncode == 1, run.stdout + run.stderr
    found = {(v["kind"], v["subject"]) for v in orjson.loads(run.stdout)["violations"]}
    assert ("confirmed-not-charged", f"order {broken['order_id']}") in found
    assert ("confirmed-not-reserved", f"order {broken['order_id']}") in found
    assert ("money-not-conserved", f"account {broken['user']}") in found
    text = check("--since", start.isoformat())
    assert text.returncode == 1
    assert f"order {broken['order_id']}: payment absent, order total 42" in text.stdout


@pytest.mark.parametrize(("env", "says"), [
    *(({f"{env_prefix(name)}_DB_DSN": "postgresql://nobody:x@127.0.0.1:1/nowhere"},
       f"{name} database:") for name in SAGA.names),
    ({"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}, "Kafka:"),
])
def test_an_unreachable_source_exits_2_with_one_readable_line(stack: Stack, env: dict[str, str],
                                                               says: str) -> None:
    run = check(env=env)
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.startswith(f"error: cannot audit: {says}")
    assert "Traceback" not in run.stderr

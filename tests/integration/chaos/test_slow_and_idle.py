"""Two more ways production goes wrong: a session left idle in a transaction while load runs,
and a handler slower than the consumer's poll interval."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import psycopg
import pytest

from sagaline import audit
from sagaline.chaos.load import OrderStream
from sagaline.devstack import Stack
from sagaline.devstack.services import service_env
from sagaline.seed_saga import PAYMENT

pytestmark = pytest.mark.chaos


def pending(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM outbox WHERE NOT published").fetchone()
        return int(row[0]) if row else 0


def test_an_idle_transaction_does_not_hold_the_relay_back(services: Stack) -> None:
    s = services.settings
    started = audit_start()
    idle = psycopg.connect(s.order_db_dsn)
    idle.execute("INSERT INTO outbox (event_id, topic, payload) VALUES (%s, 'x', '{}')",
                 (uuid.uuid4(),))  # takes an id and sits on it, uncommitted
    stream = OrderStream(f"http://127.0.0.1:{s.order_http_port}", rate_per_s=40).start()
    most = 0
    for _ in range(40):
        time.sleep(0.2)
        most = max(most, pending(s.order_db_dsn))
    accepted = stream.stop().accepted
    idle.rollback()
    idle.close()
    assert len(accepted) > 100
    assert most < 50, f"outbox backlog grew to {most} behind an idle transaction"
    report = audit.run(s, since=started, wait_s=60)
    assert report.ok, report.text()


@pytest.fixture
def slow_payment_and_a_second_replica(services: Stack) -> Iterator[Stack]:
    """Payment restarted with one 8 s pause before a commit and a 7 s poll interval, plus a
    second payment replica to take its partitions while it is slow."""
    slow = services.with_services(delay_points="consumer.before_commit:8",
                                  kafka_client_config='{"max.poll.interval.ms": "7000"}')
    own = Stack(services.settings)  # restarts outside the session fixture's record
    own.stop("payment")
    slow.start("payment")
    env = {**os.environ, **service_env(PAYMENT, services.settings), "PAYMENT_HTTP_PORT": "0"}
    replica = subprocess.Popen([sys.executable, "-m", "sagaline.seed_saga.payment"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield slow
    replica.terminate()
    replica.wait(30)
    own.stop("payment")
    own.start("payment")


def test_a_handler_slower_than_the_poll_interval_has_no_double_effect(
        services: Stack, slow_payment_and_a_second_replica: Stack) -> None:
    s = services.settings
    started = audit_start()
    users = [f"slow-{uuid.uuid4().hex[:8]}" for _ in range(20)]
    with httpx.Client(base_url=f"http://127.0.0.1:{s.order_http_port}") as client:
        for user in users:
            assert client.post("/orders", json={"userId": user, "totalAmount": 10}
                               ).status_code == 201
    report = audit.run(s, since=started, wait_s=90)
    assert report.ok, report.text()  # money conserved: each user charged exactly once
    with httpx.Client(base_url=f"http://127.0.0.1:{s.payment_http_port}") as client:
        balances = {client.get(f"/accounts/{u}").json()["balance"] for u in users}
    assert balances == {s.starting_credit - 10}


def audit_start() -> datetime:
    return datetime.now(UTC)

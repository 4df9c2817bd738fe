"""A replica whose host vanishes mid-batch must not stop every other replica's relay.

A relay in a child process takes the outbox lock and waits for acks that never come; then it
is frozen (SIGSTOP), as a host that vanished: its server backend stays in its transaction,
holding the lock (in pipeline mode it counts as active, not idle in transaction). The
service's session limits end that backend within the bound; meanwhile the other relay reports
that it cannot take the lock, and /ready names the stalled outbox.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from sagaline.core.postgres import db
from sagaline.core.postgres.session_limits import SessionLimits
from sagaline.seed_saga.order.settings import OrderSettings
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from tests.composition import order as bootstrap
from tests.integration.core.test_relay import event, pending, write

TRANSACTION_S = 3  # the frozen replica's backend ends after this
# A replica's relay, built from its settings, whose broker never acknowledges.
FROZEN_RELAY = """
import threading
from sagaline.core.runtime import compose, wiring
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import service_settings

class NeverAcknowledged:
    def publish(self, batch, timeout_s):
        threading.Event().wait()

settings = service_settings(SAGA, "order")()
relay = wiring.outbox_relay(compose.plumbing_for(SAGA.service("order"), settings),
                            NeverAcknowledged())
while not relay.publish_batch():  # hangs in the first batch with rows
    pass
"""


def relay_sessions(dsn: str, holding_the_lock: bool) -> set[int]:
    """Backends of order relays in this database (a running order service's too)."""
    with psycopg.connect(dsn) as conn:
        return {r[0] for r in conn.execute(
            "SELECT a.pid FROM pg_stat_activity a LEFT JOIN pg_locks l"
            " ON l.pid = a.pid AND l.locktype = 'advisory' AND l.granted"
            " WHERE a.application_name = 'order-relay' AND a.datname = current_database()"
            " AND (l.pid IS NOT NULL OR NOT %s)", (holding_the_lock,))}


@pytest.fixture
def others(core_dsn: str) -> set[int]:
    return relay_sessions(core_dsn, holding_the_lock=False)


@pytest.fixture
def frozen_relay(core_dsn: str, others: set[int]) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "ORDER_DB_DSN": core_dsn,
           "DB_TRANSACTION_TIMEOUT_S": str(TRANSACTION_S)}
    child = subprocess.Popen([sys.executable, "-c", FROZEN_RELAY], env=env)
    try:
        yield child
    finally:
        child.kill()
        child.wait(10)


def test_a_frozen_replica_holding_the_relay_lock_stalls_the_others_only_briefly(
        core_dsn: str, others: set[int], frozen_relay: subprocess.Popen[bytes]) -> None:
    write(core_dsn, *(event(f"k{i}", i) for i in range(5)))
    deadline = time.monotonic() + 20
    while not relay_sessions(core_dsn, holding_the_lock=True) - others:
        assert time.monotonic() < deadline, "the child relay never took the lock"
        time.sleep(0.05)
    os.kill(frozen_relay.pid, signal.SIGSTOP)
    frozen_at = time.monotonic()

    admin = {"X-API-Key": "test-admin-key"}  # /ready names its problems to an admin only
    settings = OrderSettings(db_dsn=core_dsn, relay_lock_timeout_s=0.5, outbox_stall_s=1,
                             admin_api_keys=admin["X-API-Key"])
    service = bootstrap(settings, publisher=InMemoryPublisher(), source=InMemorySource())
    assert service.relay is not None
    client = TestClient(service.app, headers=admin)
    stop = threading.Event()
    relay = threading.Thread(target=service.relay.run, args=(stop,))
    relay.start()
    reported: set[str] = set()
    try:
        while pending(core_dsn) and time.monotonic() - frozen_at < TRANSACTION_S + 9:
            ready = client.get("/ready")
            if ready.status_code == 503:
                reported.update(ready.json()["problems"])
            time.sleep(0.1)
        took = time.monotonic() - frozen_at
    finally:
        stop.set()
        relay.join(30)
        service.close()
    assert pending(core_dsn) == 0, f"the relay was still blocked after {took:.1f}s"
    assert any(p.startswith("relay: could not take the outbox lock") for p in reported), reported
    assert any(p.startswith("outbox: oldest pending event") for p in reported), reported
    assert client.get("/ready").status_code == 200  # carried on, and says so


def test_a_session_runs_under_its_limits_in_its_own_schema(core_dsn: str) -> None:
    with db.connect(core_dsn, "limits", SessionLimits(lock_timeout_s=1.5)) as conn:
        shown = conn.execute(
            "SELECT current_setting('lock_timeout'), current_setting('transaction_timeout'),"
            " current_setting('idle_in_transaction_session_timeout'), current_schema()"
        ).fetchone()
    assert shown is not None
    assert shown[:3] == ("1500ms", "1min", "1min") and shown[3].startswith("test_")

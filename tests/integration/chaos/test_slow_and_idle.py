"""Two more ways production goes wrong: a session left idle in a transaction while load runs,
and a handler slower than the consumer's poll interval. Neither sends poison, so the audit
expects no dead letter at all (`expected_poison=()`): a dead-lettered valid event is lost
work, even where the deadline later settles its saga."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import psycopg
import pytest

from sagaline import audit, saga_choice
from sagaline.chaos.load import SagaStream
from sagaline.devstack import Stack
from sagaline.ops import targets

pytestmark = pytest.mark.chaos
SAGA = saga_choice.load()
# The first step after the owner: it handles what the owner emits when a saga starts.
FIRST_STEP = next(e.consumer for e in SAGA.edges if e.producer == SAGA.owner)


def pending(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM outbox WHERE NOT published").fetchone()
        return int(row[0]) if row else 0


def test_an_idle_transaction_does_not_hold_the_relay_back(services: Stack) -> None:
    s = services.settings
    started = audit_start()
    owner_db = s.dsn(SAGA.owner)
    idle = psycopg.connect(owner_db)
    idle.execute("INSERT INTO outbox (event_id, topic, payload) VALUES (%s, 'x', '{}')",
                 (uuid.uuid4(),))  # takes an id and sits on it, uncommitted
    stream = SagaStream(targets.base_url(s, SAGA, SAGA.owner), 40, SAGA).start()
    most = 0
    for _ in range(40):
        time.sleep(0.2)
        most = max(most, pending(owner_db))
    accepted = stream.stop().accepted
    idle.rollback()
    idle.close()
    assert len(accepted) > 100
    assert most < 50, f"outbox backlog grew to {most} behind an idle transaction"
    report = audit.run(s, since=started, wait_s=60, expected_poison=())
    assert report.ok, report.text()


@pytest.fixture
def slow_first_step_and_a_second_replica(services: Stack) -> Iterator[Stack]:
    """The first step restarted with one 8 s pause before a commit and a 7 s poll interval,
    plus a second replica of it (without the pause) to take its partitions while it is
    slow."""
    slow = services.with_services(delay_points="consumer.before_commit:8",
                                  kafka_client_config='{"max.poll.interval.ms": "7000"}')
    own = Stack(services.settings)  # restarts outside the session fixture's record
    own.stop(FIRST_STEP)
    slow.start(FIRST_STEP)
    two = Stack(services.settings, shape=replace(services.shape, replicas=2))
    second = f"{FIRST_STEP}-2"
    two.start(second)
    yield slow
    two.stop(second)
    own.stop(FIRST_STEP)
    own.start(FIRST_STEP)


def test_a_handler_slower_than_the_poll_interval_has_no_double_effect(
        services: Stack, slow_first_step_and_a_second_replica: Stack) -> None:
    s = services.settings
    started = audit_start()
    url = targets.owner_url(s, SAGA)
    with httpx.Client() as client:
        placed = [client.post(url, json=SAGA.sample_request(f"slow-{uuid.uuid4().hex[:8]}"))
                  for _ in range(20)]
        assert {p.status_code for p in placed} == {201}
        report = audit.run(s, since=started, wait_s=90, expected_poison=())
        assert report.ok, report.text()  # each effect once: the auditor's books balance
        outcomes = {client.get(f"{url}/{p.json()[SAGA.key_field]}").json()["status"]
                    for p in placed}
    assert outcomes == {SAGA.statuses.final[0]}  # every saga succeeded, none twice undone


def audit_start() -> datetime:
    return datetime.now(UTC)

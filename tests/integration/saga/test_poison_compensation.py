"""A compensation that cannot succeed holds back its own partition only: the sagas on the
other partitions finish meanwhile, and after COMPENSATION_PARK_AFTER_S the poison is parked
as a dead letter, counted and named by /ready; replayed once its cause is gone, it is handled
and no longer named (issue 23, defect 1)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
import pytest
from psycopg import sql

from sagaline.core.kafka.publisher import KafkaPublisher, producer_config
from sagaline.core.messaging import deadletter as dl
from sagaline.ops import dlq
from sagaline.seed_saga import topics
from sagaline.seed_saga.saga import SAGA
from tests.integration.saga.conftest import Saga, new_user, wait_for

CREDIT = 10_000
PARK_AFTER_S = 30.0
# The step that refunds when inventory fails (a compensation it consumes): payment.
REFUNDER = next(s for s in SAGA.services if topics.INVENTORY_FAILED in s.compensations)
ROUNDS = 7  # failed rounds of the poison before the burst: its back-off is seconds by then
OTHER_SAGAS = 30
BURST_S = 10.0  # placed to final, all of them (about a second on a quiet machine)


@pytest.fixture
def quick_to_park(saga: Saga) -> Iterator[None]:
    """The refunding service restarted to park a failing compensation after 20 s."""
    stack = saga.stack
    parking = stack.with_services(compensation_park_after_s=PARK_AFTER_S)
    stack.stop(REFUNDER.name)
    parking.start(REFUNDER.name)
    yield
    stack.stop(REFUNDER.name)  # forgets what it parked: readiness is its own again
    stack.start(REFUNDER.name)
    saga.settle()


@contextmanager
def refunds_refused(saga: Saga, user: str) -> Iterator[None]:
    """A trigger makes every refund of `user`'s payments fail (as a bug would): the
    compensation cannot succeed, and is not malformed."""
    name = sql.Identifier(f"test_refuse_{uuid.uuid4().hex[:12]}")
    with psycopg.connect(saga.stack.settings.dsn(REFUNDER.name),
                         autocommit=True) as conn:
        conn.execute(sql.SQL(
            "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refund refused by a test''s trigger'; END $$").format(
                name=name))
        conn.execute(sql.SQL(
            "CREATE TRIGGER {name} BEFORE UPDATE ON payments FOR EACH ROW WHEN "
            "(OLD.user_id = {user} AND NEW.status = 'REFUNDED') EXECUTE FUNCTION {name}()"
        ).format(name=name, user=sql.Literal(user)))
        try:
            yield
        finally:
            conn.execute(sql.SQL("DROP TRIGGER {name} ON payments").format(name=name))
            conn.execute(sql.SQL("DROP FUNCTION {name}()").format(name=name))


def parked(saga: Saga, order_id: str) -> list[dlq.DeadLetter]:
    s = saga.stack.settings
    return [d for d in dlq.read_all(s.kafka_bootstrap_servers, REFUNDER.dead_letter_topic)
            if d.key == order_id and d.source_topic == topics.INVENTORY_FAILED]


def refunder_get(saga: Saga, path: str) -> httpx.Response:
    s = saga.stack.settings  # as an admin: readiness then says what is wrong
    return httpx.get(f"http://127.0.0.1:{s.http_port(REFUNDER.name)}{path}",
                     headers=s.admin_headers(), timeout=10)


def readiness(saga: Saga) -> tuple[int, list[str]]:
    response = refunder_get(saga, "/ready")
    return response.status_code, response.json().get("problems", [])


def failing_rounds(saga: Saga) -> float:
    series = f'sagaline_compensation_failing_total{{topic="{topics.INVENTORY_FAILED}"}} '
    for line in refunder_get(saga, "/metrics").text.splitlines():
        if line.startswith(series):
            return float(line.removeprefix(series))
    return 0.0


def status(saga: Saga, order_id: str) -> str:
    return str(saga.order.get(f"/orders/{order_id}").json()["status"])


def test_a_poison_compensation_is_parked_while_the_other_sagas_finish(
        saga: Saga, quick_to_park: None) -> None:
    poisoned, scarce, plenty = new_user(), saga.new_sku(1), saga.new_sku(OTHER_SAGAS)
    with refunds_refused(saga, poisoned):
        order_id = saga.place(poisoned, 25, [(scarce, 2)])  # out of stock: refund it
        wait_for(lambda: status(saga, order_id) == "COMPENSATING", 15, "compensating")
        # Its refund fails at every attempt now, each round raising the alert; its partition
        # waits longer after each. Once it has failed a while, a burst of other sagas: a
        # consumer that backed off as a whole (up to 5 s a round) would hold them all up.
        wait_for(lambda: failing_rounds(saga) >= ROUNDS, PARK_AFTER_S, "a failing refund")
        burst_at = time.monotonic()
        others = [saga.place(new_user(), 5, [(plenty, 1)]) for _ in range(OTHER_SAGAS)]
        assert {saga.final(o, timeout_s=BURST_S)["status"] for o in others} == {"CONFIRMED"}
        assert time.monotonic() - burst_at < BURST_S
        assert parked(saga, order_id) == []  # all finished while the poison waited
        assert status(saga, order_id) == "COMPENSATING"
        assert saga.balance(poisoned) == CREDIT - 25

        (letter,) = wait_for(lambda: parked(saga, order_id), PARK_AFTER_S + 30, "parked")
        assert letter.headers[dl.H_ERROR_TYPE] == "CompensationParked"
        assert "compensation still failing after" in letter.headers[dl.H_ERROR]
        assert "refund refused by a test's trigger" in letter.headers[dl.H_ERROR]
        named = (f"{topics.INVENTORY_FAILED}[{letter.headers[dl.H_SOURCE_PARTITION]}]@"
                 f"{letter.headers[dl.H_SOURCE_OFFSET]} (key {order_id}) parked as dead letter")
        code, problems = readiness(saga)
        assert code == 503 and any(named in p for p in problems), problems
        metrics = refunder_get(saga, "/metrics").text
        assert f'sagaline_compensations_parked_total{{topic="{topics.INVENTORY_FAILED}"}}' \
            in metrics
    # The cause is gone (the trigger dropped): the operator replays the letter.
    s = saga.stack.settings
    publisher = KafkaPublisher(producer_config(s.kafka_bootstrap_servers))
    assert dlq.replay([letter], publisher, s.inbox_retention_s) == 1
    publisher.close()
    assert saga.final(order_id, timeout_s=30)["status"] == "CANCELLED"
    wait_for(lambda: saga.balance(poisoned) == CREDIT, 15, "refunded by the replay")
    wait_for(lambda: not any(named in p for p in readiness(saga)[1]), 15, "no longer named")

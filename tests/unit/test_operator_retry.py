"""An operator retries the step a saga waits on, and replays dead letters (issue 25), in the
in-memory harness. A retry: the event that step needs is found from the declaration, its
producer sends it again from its outbox with the same event id, and the inbox makes the second
delivery a no-op; refused (and logged) when the row is not published yet, is unknown, or is
older than the inbox remembers. A replay of a group, however often: one effect."""

from __future__ import annotations

import dataclasses
import time
import uuid
from typing import Any

import pytest

from sagaline.core.messaging import deadletter as dl
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.saga import dead_letter_topic
from sagaline.ops import dlq_actions as act
from sagaline.ops.dlq import DeadLetter
from sagaline.ops.dlq_groups import groups
from sagaline.ops.saga_actions import awaited_topic
from sagaline.seed_saga import topics
from sagaline.seed_saga.order import fakes as order
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.harness import SagaHarness
from sagaline.testing.operator_log import MemoryOperatorLog
from tests.unit.test_generated_seed import ORDER, invariants

pytestmark = pytest.mark.unit
KEY = "admin-key-for-the-test"
ADMIN = {"X-API-Key": KEY}


def harness(**payment: Any) -> SagaHarness:
    keys = {"admin_api_keys": KEY}
    return SagaHarness(SAGA, settings_overrides={"order": keys, "payment": {**keys, **payment}})


def resend(h: SagaHarness, service: str, key: str, topic: str) -> Any:
    return h.client(service).post("/admin/resend", headers=ADMIN, json={
        "key": key, "topic": topic, "operator": "ann", "reason": "inventory lost it"})


@pytest.mark.parametrize(("status", "topic"), [
    ("PENDING", topics.ORDER_CREATED), ("PAID", topics.PAYMENT_CHARGED),
    ("COMPENSATING", topics.INVENTORY_FAILED), ("CONFIRMED", None), ("CANCELLED", None)])
def test_the_event_a_waiting_step_needs_comes_from_the_declaration(status: str,
                                                                   topic: str | None) -> None:
    assert awaited_topic(SAGA, status) == topic


def test_a_retry_sends_the_same_event_again_and_the_inbox_skips_it() -> None:
    h = harness()
    placed = order.placer(ORDER)(h)
    h.run(paused={"inventory"})
    answer = resend(h, "payment", placed, topics.PAYMENT_CHARGED)
    assert answer.status_code == 200, answer.text
    h.run()
    assert order.status(h, placed) == "CONFIRMED"
    charged = [m for m in h.broker.sent if m.topic == topics.PAYMENT_CHARGED and m.key == placed]
    assert len(charged) == 2 and charged[0].headers == charged[1].headers  # the same event
    assert str(answer.json()["eventId"]) == charged[0].headers["event-id"]
    invariants(h)  # reserved once, charged once
    [entry] = h.fake("payment").actions
    assert (entry.operator, entry.action, entry.sagas) == ("ann", "saga.retry", (placed,))


def test_an_event_not_published_yet_or_unknown_is_refused_and_logged() -> None:
    h = harness()
    placed = order.placer(ORDER)(h)  # its order.created waits for the relay
    assert resend(h, "order", placed, topics.ORDER_CREATED).status_code == 409
    assert resend(h, "payment", str(uuid.uuid4()), topics.PAYMENT_CHARGED).status_code == 404
    h.run()
    assert order.status(h, placed) == "CONFIRMED"
    assert [e.result.split(":")[0] for e in h.fake("order").actions] == ["refused"]
    assert [e.result.split(":")[0] for e in h.fake("payment").actions] == ["refused"]


def test_an_event_older_than_the_inbox_remembers_is_refused() -> None:
    h = harness(inbox_retention_s=0)
    placed = order.placer(ORDER)(h)
    h.run(paused={"inventory"})
    answer = resend(h, "payment", placed, topics.PAYMENT_CHARGED)
    assert answer.status_code == 409 and "older than the inbox" in answer.json()["error"]


def test_a_retry_without_the_admin_key_is_refused() -> None:
    h = harness()
    answer = h.client("payment").post("/admin/resend", json={
        "key": "k", "topic": topics.PAYMENT_CHARGED, "operator": "x", "reason": "y"})
    assert answer.status_code == 401


def test_a_group_of_dead_letters_replayed_again_and_again_has_one_effect() -> None:
    """The replay path in the harness: valid `order.created` events its consumer gave up on
    (as the sink writes them), replayed as a group three times: each order charged once."""
    h = harness()
    created = [Envelope.first(topics.ORDER_CREATED, str(uuid.uuid4()), {
        "orderId": None, "userId": f"u-{n}", "totalAmount": 30,
        "createdAt": "2026-12-07T00:00:00+00:00"}) for n in range(3)]
    created = [dataclasses.replace(e, payload={**e.payload, "orderId": e.key}) for e in created]
    letters = [DeadLetter(dead_letter_topic("payment"), 0, n, e.key, e.value(), {
        **e.headers(), dl.H_SOURCE_TOPIC: e.topic, dl.H_ERROR_TYPE: "RuntimeError",
        dl.H_ERROR: f"a bug since fixed, order {e.key}", dl.H_FAILED_AT: f"{time.time():.3f}"})
        for n, e in enumerate(created)]
    [group] = groups(letters)
    log = MemoryOperatorLog("payment")
    for _ in range(3):
        assert act.replay(group.letters, h.broker, act.Actor("ann", "fixed", log),
                          inbox_retention_s=3600) == 3
        h.run(paused={"order", "inventory"})
    charged = h.fake("payment").payments.rows
    assert sorted(str(k) for k in charged) == sorted(e.key for e in created)
    assert [a.balance for a in h.fake("payment").accounts.rows.values()] == [
        a.initial_credit - 30 for a in h.fake("payment").accounts.rows.values()]
    assert [e.result for e in log.written] == ["replayed 3"] * 3

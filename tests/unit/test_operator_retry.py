"""An operator retries the step a saga waits on (issue 25), in the in-memory harness: the
event that step needs is found from the declaration, its producer sends it again from its
outbox with the same event id, and the inbox makes the second delivery a no-op. Refused (and
logged) when the row is not published yet, is unknown, or is older than the inbox remembers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from sagaline.ops.saga_actions import awaited_topic
from sagaline.seed_saga import topics
from sagaline.seed_saga.order import fakes as order
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.harness import SagaHarness
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

"""An operator cancels a saga (issue 25) in the in-memory harness: the order's own path runs
(order.cancelled, then payment refunds and inventory releases), the reason is
OPERATOR_CANCELLED, and the operator's words are in the operator log of the same commit. A
final saga, an unknown one and a call without the admin key are refused."""

from __future__ import annotations

import uuid

import pytest

from sagaline.seed_saga import topics
from sagaline.seed_saga.order import fakes as order
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.harness import SagaHarness
from tests.unit.test_generated_seed import ORDER, invariants

pytestmark = pytest.mark.unit
ADMIN = {"X-API-Key": "admin-key-for-the-test"}
ASKED = {"operator": "ann", "reason": "the customer called"}


def harness() -> SagaHarness:
    return SagaHarness(SAGA, settings_overrides={"order": {"admin_api_keys": ADMIN[
        "X-API-Key"]}})


def test_an_operator_cancels_a_paid_saga_and_its_compensations_run() -> None:
    h = harness()
    placed = order.placer(ORDER)(h)
    h.run(paused={"inventory"})  # charged, and waiting on inventory
    assert order.status(h, placed) == "PAID"
    answer = h.post(f"/orders/{placed}/cancel", ASKED, ADMIN)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["reason"]) == ("CANCELLED",
                                                                  "OPERATOR_CANCELLED")
    h.run()  # inventory wakes up: it reserves late, then releases; payment refunds
    assert order.status(h, placed) == "CANCELLED"
    assert topics.PAYMENT_REFUNDED in h.produced("payment")
    invariants(h)  # no net charge, no stock held
    [entry] = h.fake("order").actions
    assert (entry.operator, entry.action, entry.reason, entry.sagas) == (
        "ann", "saga.cancel", "the customer called", (placed,))
    assert entry.result == "cancelled (was PAID)"


def test_a_final_saga_is_refused_and_the_refusal_is_logged() -> None:
    h = harness()
    placed = order.placer(ORDER)(h)
    h.run()
    assert order.status(h, placed) == "CONFIRMED"
    answer = h.post(f"/orders/{placed}/cancel", ASKED, ADMIN)
    assert answer.status_code == 409 and "final" in answer.json()["error"]
    h.run()
    assert order.status(h, placed) == "CONFIRMED"
    assert topics.ORDER_CANCELLED not in h.produced("order")
    [entry] = h.fake("order").actions
    assert entry.result.startswith("refused: ") and "CONFIRMED" in entry.result


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"X-API-Key": "x"}, 401)])
def test_a_cancel_without_the_admin_key_is_refused(headers: dict[str, str],
                                                   status: int) -> None:
    h = harness()
    placed = order.placer(ORDER)(h)
    assert h.post(f"/orders/{placed}/cancel", ASKED, headers).status_code == status
    assert order.status(h, placed) == "PENDING" and h.fake("order").actions == []


def test_an_unknown_saga_and_a_cancel_without_words_are_refused() -> None:
    h = harness()
    assert h.post(f"/orders/{uuid.uuid4()}/cancel", ASKED, ADMIN).status_code == 404
    placed = order.placer(ORDER)(h)
    for body in ({"operator": "ann", "reason": ""}, {"operator": "ann"},
                 {**ASKED, "reason": "\u0000"}):
        assert h.post(f"/orders/{placed}/cancel", body, ADMIN).status_code == 422
    assert order.status(h, placed) == "PENDING"

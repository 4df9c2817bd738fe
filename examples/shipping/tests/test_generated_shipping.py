"""The shipping saga under sagaline.testing's generated tests, as a user tests their own
saga: crashes at every fault point (shipping's among them), every event twice, reordered
deliveries, and the compensation after each step (shipping refusing: payment refunds,
inventory releases), each ending with every step's invariants read from its fake."""

from __future__ import annotations

import pytest

from sagaline.seed_saga.inventory import fakes as inventory
from sagaline.seed_saga.order import fakes as order
from sagaline.seed_saga.payment import fakes as payment
from sagaline.testing.generated import saga_tests
from sagaline.testing.harness import SagaHarness
from shipping import fakes as shipping
from shipping_saga import SAGA

pytestmark = pytest.mark.unit
ORDER = {"userId": "u1", "totalAmount": 30, "items": [{"sku": "SKU-1", "quantity": 2}]}


def invariants(h: SagaHarness) -> None:
    outcomes = order.outcomes(h.fake("order"))
    confirmed = {o for o, s in outcomes.items() if s == SAGA.statuses.final[0]}
    cancelled = {o for o, s in outcomes.items() if s == SAGA.statuses.cancelled}
    problems = [f"order {o} not final: {s}" for o, s in outcomes.items()
                if s not in SAGA.statuses.final]
    problems += payment.problems(h.fake("payment"), confirmed, cancelled)
    problems += inventory.problems(h.fake("inventory"), confirmed, cancelled)
    problems += shipping.problems(h.fake("shipping"), confirmed, cancelled)
    assert problems == []


TestShippingSaga = saga_tests(
    SAGA, start=order.placer(ORDER), status=order.status, invariants=invariants,
    failures={"payment": {"payment_failure_rate": 1.0},
              "inventory": {"inventory_failure_rate": 1.0},
              "shipping": {"shipping_failure_rate": 1.0}},
    deadline_s=61.0)

"""The seed saga under sagaline.testing's generated tests: crashes at every fault point,
every event twice, reordered deliveries and the compensation after each step, each ending
with the saga's invariants read from the fakes: every order final; a confirmed order is
charged and its stock reserved; a cancelled one has no net charge and holds no stock; money
and stock are conserved."""

from __future__ import annotations

import pytest

from sagaline.seed_saga.inventory import fakes as inventory
from sagaline.seed_saga.order import fakes as order
from sagaline.seed_saga.payment import fakes as payment
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.generated import saga_tests
from sagaline.testing.harness import SagaHarness

pytestmark = pytest.mark.unit
ORDER = {"userId": "u1", "totalAmount": 30,
         "items": [{"sku": "SKU-1", "quantity": 2}, {"sku": "SKU-2", "quantity": 1}]}


def invariants(h: SagaHarness) -> None:
    outcomes = order.outcomes(h.fake("order"))
    waiting = {o: s for o, s in outcomes.items() if s not in SAGA.statuses.final}
    confirmed = {o for o, s in outcomes.items() if s == SAGA.statuses.final[0]}
    cancelled = {o for o, s in outcomes.items() if s == SAGA.statuses.cancelled}
    problems = [f"order {o} not final: {s}" for o, s in waiting.items()]
    problems += payment.problems(h.fake("payment"), confirmed, cancelled)
    problems += inventory.problems(h.fake("inventory"), confirmed, cancelled)
    assert problems == []


TestSeedSaga = saga_tests(
    SAGA, start=order.placer(ORDER), status=order.status, invariants=invariants,
    failures={"payment": {"payment_failure_rate": 1.0},
              "inventory": {"inventory_failure_rate": 1.0}},
    deadline_s=61.0)

"""A consumer killed between its database commit and storing its offset: the message is
delivered again after the restart, and the inbox makes the redelivery a no-op."""

from __future__ import annotations

from sagaline.seed_saga import topics
from tests.integration.saga.conftest import Saga, new_user, wait_for
from tests.integration.saga.redelivery import CHARGER, caught_up, payment_forgotten

CREDIT = 10_000


def test_killed_after_commit_before_offset_store_has_one_effect(saga: Saga) -> None:
    """While the charger is down, its payment row is forgotten: the handler alone would
    charge the redelivered order again, only the inbox knows it was handled."""
    stack, user = saga.stack, new_user()
    crashing = stack.with_services(crash_points="consumer.after_commit:1.0")
    stack.stop(CHARGER.name)
    try:
        crashing.start(CHARGER.name)
        order_id = saga.place(user, 55)
        wait_for(lambda: not crashing.component(CHARGER.name).running(), 30,
                 f"{CHARGER.name} to crash at consumer.after_commit")
        with payment_forgotten(stack.settings, order_id):
            stack.start(CHARGER.name)
            caught_up(stack.settings, CHARGER.consumer_group, topics.ORDER_CREATED, 30)
            assert saga.payment.get(f"/payments/{order_id}").status_code == 404
    finally:
        if not stack.component(CHARGER.name).running():
            stack.start(CHARGER.name)
    order = saga.final(order_id, timeout_s=30)
    assert order["status"] == "CONFIRMED"
    assert saga.balance(user) == CREDIT - 55
    assert saga.payment.get(f"/payments/{order_id}").json()["status"] == "CHARGED"
    saga.settle()

"""A consumer killed between its database commit and storing its offset: the message is
delivered again after the restart, and the inbox makes the redelivery a no-op."""

from __future__ import annotations

from tests.integration.saga.conftest import Saga, new_user, wait_for

CREDIT = 10_000


def test_killed_after_commit_before_offset_store_has_one_effect(saga: Saga) -> None:
    stack = saga.stack
    crashing = stack.with_services(crash_points="consumer.after_commit:1.0")
    stack.stop("payment")
    try:
        crashing.start("payment")
        user = new_user()
        order_id = saga.place(user, 55)
        wait_for(lambda: not crashing.component("payment").running(), 30,
                 "payment to crash at consumer.after_commit")
    finally:
        stack.start("payment")
    order = saga.final(order_id, timeout_s=30)
    assert order["status"] == "CONFIRMED"
    assert saga.balance(user) == CREDIT - 55
    assert saga.payment.get(f"/payments/{order_id}").json()["status"] == "CHARGED"
    saga.settle()

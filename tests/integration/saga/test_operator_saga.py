"""An operator cancels a stuck saga from the CLI (issue 25): the step it waits on is stopped,
`sagaline saga show` names it and the steps ahead, `sagaline saga cancel` runs the normal
compensations (the charge refunded; the late reservation released once the step is back),
the audit finds the books right, and the operator log has the cancel and a refused second
one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from typer.testing import CliRunner

from sagaline import audit
from sagaline.cli import app
from sagaline.seed_saga import topics
from sagaline.seed_saga.saga import SAGA
from tests.integration.saga.conftest import Saga, new_user, wait_for
from tests.integration.saga.redelivery import caught_up

CREDIT = 10_000
PAID = "PAID"  # the status that waits on the step after payment
STUCK_ON = SAGA.statuses.waiting_on(PAID)


def cli(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


@contextmanager
def stuck(saga: Saga, user: str, sku: str) -> Iterator[str]:
    """An order charged and stuck: the step after payment is stopped for the block, then
    started again and caught up with everything on its topics."""
    assert STUCK_ON is not None
    step = SAGA.service(STUCK_ON)
    saga.stack.stop(STUCK_ON)
    try:
        order_id = saga.place(user, 40, [(sku, 2)])
        wait_for(lambda: saga.order.get(f"/orders/{order_id}").json()["status"] == PAID, 20,
                 "charged, then stuck")
        yield order_id
    finally:
        saga.stack.start(STUCK_ON)
    for topic in step.consumes:
        caught_up(saga.stack.settings, step.consumer_group, topic, 30)


def test_a_stuck_saga_cancelled_by_an_operator_is_undone_and_logged(saga: Saga) -> None:
    started = datetime.now(UTC)
    user, sku = new_user(), saga.new_sku(5)
    with stuck(saga, user, sku) as order_id:
        shown = orjson.loads(cli("saga", "show", order_id, "--json").stdout)
        assert (shown["record"]["status"], shown["waitingOn"], shown["remaining"]) == (
            PAID, STUCK_ON, [STUCK_ON])
        cli("saga", "cancel", order_id, "--reason", "stuck on a stopped step",
            "--operator", "ann")
        view = saga.order.get(f"/orders/{order_id}").json()
        assert (view["status"], view["reason"]) == ("CANCELLED", "OPERATOR_CANCELLED")
        wait_for(lambda: saga.balance(user) == CREDIT, 20, "the charge refunded")
    assert saga.stock(sku) == 5  # reserved late, then released (or never held)

    again = cli("saga", "cancel", order_id, "--reason", "twice", "--operator", "bob", code=1)
    assert "final" in again.output
    entries = orjson.loads(cli("log", "--id", order_id, "--format", "json").stdout)
    assert [(e["operator"], e["action"], e["reason"], e["result"].split(":")[0])
            for e in entries] == [
        ("bob", "saga.cancel", "twice", "refused"),
        ("ann", "saga.cancel", "stuck on a stopped step", "cancelled (was PAID)")]
    assert all(e["service"] == SAGA.owner for e in entries)
    report = audit.run(saga.stack.settings, since=started, wait_s=60)
    assert report.ok, report.text()


def test_a_retry_of_the_step_a_saga_waits_on_has_one_effect(saga: Saga) -> None:
    user, sku = new_user(), saga.new_sku(5)
    with stuck(saga, user, sku) as order_id:
        cli("saga", "retry", order_id, "--reason", "resend the charge", "--operator", "ann")
    assert saga.final(order_id, timeout_s=30)["status"] == "CONFIRMED"
    assert saga.stock(sku) == 3  # reserved once, though the charge came twice
    refused = cli("saga", "retry", order_id, "--reason", "again", code=1)
    assert "final" in refused.output
    refusal, retried = orjson.loads(cli("log", "--id", order_id, "--format", "json").stdout)
    assert (retried["operator"], retried["action"], retried["service"]) == (
        "ann", "saga.retry", SAGA.producer_of(topics.PAYMENT_CHARGED))
    assert retried["result"].startswith("sent payment.charged again")
    assert (refusal["action"], refusal["service"]) == ("saga.retry", SAGA.owner)
    assert refusal["result"].startswith("refused: ") and "final" in refusal["result"]

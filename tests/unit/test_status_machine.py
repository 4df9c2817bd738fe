"""The saga's status table: guards, "waiting on", what a stuck saga last heard and the steps
ahead are all read from it, and a table that cannot work is refused when declared."""

from __future__ import annotations

import pytest

from sagaline.core.status_machine import ANY, StatusMachine
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit
SEED = SAGA.statuses


def test_each_topic_moves_the_order_from_the_statuses_the_table_allows() -> None:
    assert SEED.move("payment.charged") == ("PAID", frozenset({"PENDING"}))
    assert SEED.move("inventory.failed") == ("COMPENSATING",
                                             frozenset({"PENDING", "PAID", "COMPENSATING"}))
    assert SEED.move("order.created") is None
    assert SEED.next("PAID", "payment.charged") is None  # a repeat moves nothing
    assert SEED.next("CONFIRMED", "payment.refunded") is None  # final stays final


def test_what_a_saga_waits_on_heard_and_has_ahead() -> None:
    assert [SEED.waiting_on(s) for s in SEED.statuses] == [
        "payment", "inventory", "payment", None, None]
    assert SEED.last_outcome("PENDING") == "none yet"
    assert SEED.last_outcome("COMPENSATING") == "inventory.failed"
    assert SAGA.remaining("PENDING") == ["payment", "inventory"]
    assert SAGA.remaining("PAID") == ["inventory"]
    assert SAGA.remaining("COMPENSATING") == []  # its way to success is closed
    assert SEED.cancelled == "CANCELLED" and SEED.not_final == ("PENDING", "PAID",
                                                                "COMPENSATING")


def test_a_second_failing_step_makes_compensating_reached_two_ways() -> None:
    longer = StatusMachine(
        initial="PENDING", final=("CONFIRMED", "CANCELLED"),
        waits_on={"PENDING": "payment", "PAID": "inventory", "RESERVED": "shipping",
                  "COMPENSATING": "payment"},
        table={("PENDING", "payment.charged"): "PAID",
               ("PAID", "inventory.reserved"): "RESERVED",
               (ANY, "shipping.scheduled"): "CONFIRMED",
               (ANY, "inventory.failed"): "COMPENSATING",
               (ANY, "shipping.failed"): "COMPENSATING",
               (ANY, "payment.refunded"): "CANCELLED"})
    assert longer.last_outcome("COMPENSATING") == "inventory.failed or shipping.failed"
    producers = {"payment.charged": "payment", "inventory.reserved": "inventory",
                 "shipping.scheduled": "shipping"}
    assert longer.remaining("PENDING", producers.get) == ["payment", "inventory", "shipping"]


@pytest.mark.parametrize(("table", "waits_on", "error"), [
    ({("PENDING", "t"): "NOWHERE"}, {"PENDING": "a"}, "unknown statuses"),
    ({("DONE", "t"): "PENDING"}, {"PENDING": "a"}, "final status DONE has a transition"),
    ({("PENDING", "t"): "DONE"}, {}, "wait on no service"),
    ({("PENDING", "t"): "DONE", ("LIMBO", "u"): "LIMBO"}, {"PENDING": "a", "LIMBO": "a"},
     "no final status is reachable"),
    ({("PENDING", "t"): "DONE", ("HALF", "t"): "HALF"}, {"PENDING": "a", "HALF": "a"},
     "more than one status"),
])
def test_a_table_that_cannot_work_is_refused(table: dict[tuple[str, str], str],
                                             waits_on: dict[str, str], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        StatusMachine(initial="PENDING", final=("DONE",), waits_on=waits_on, table=table)

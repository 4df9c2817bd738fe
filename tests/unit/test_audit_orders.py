"""The auditor's per-saga invariants on the seed saga: the owner's (every order ends) and
payment's and inventory's (their audits, declared in their folders), on hand-made rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sagaline.audit.saga_checks import SagaVerdicts, check_sagas, orphans
from sagaline.audit.sources import Audits
from sagaline.seed_saga.inventory import step as inventory_step
from sagaline.seed_saga.inventory.audit import ReservationRow, merged
from sagaline.seed_saga.order.audit import OrderRow
from sagaline.seed_saga.payment import step as payment_step
from sagaline.seed_saga.payment.audit import PaymentRow
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit

AUDITS = Audits.of(SAGA)
PAYMENT, INVENTORY = payment_step.SERVICE.name, inventory_step.SERVICE.name
ITEMS = [{"sku": "B", "quantity": 1}, {"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 3}]
Records = dict[str, dict[str, Any]]


def order(status: str, age_s: float = 100.0, finished_age_s: float | None = 90.0,
          total: str = "12.50", items: list[dict[str, object]] = ITEMS,
          order_id: str = "o1") -> OrderRow:
    return OrderRow(order_id, "u1", Decimal(total), status, list(items), age_s,
                    finished_age_s if status in SAGA.statuses.final else None)


def pay(status: str = "CHARGED", amount: str = "12.50") -> PaymentRow:
    return PaymentRow("o1", "u1", Decimal(amount), status)


def res(status: str = "RESERVED", items: list[dict[str, object]] | None = None
        ) -> ReservationRow:
    held = [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 4}] if items is None else items
    return ReservationRow("o1", status, held)


def held(payment: PaymentRow | None = None,
         reservation: ReservationRow | None = None) -> Records:
    return {PAYMENT: {r.saga_id: r for r in [payment] if r},
            INVENTORY: {r.saga_id: r for r in [reservation] if r}}


def check(orders: list[OrderRow], records: Records, grace_s: float = 30.0) -> SagaVerdicts:
    return check_sagas(AUDITS, orders, records, grace_s)


def kinds(o: OrderRow, records: Records, grace_s: float = 30.0) -> list[str]:
    return [f.kind for f in check([o], records, grace_s).violations]


def test_merged_adds_lines_of_the_same_sku() -> None:
    assert merged(ITEMS) == {"A": 2, "B": 4}


def test_the_seed_owner_and_steps_declare_their_audits() -> None:
    assert AUDITS.owner.noun == "order"
    assert [a.names.record for a in AUDITS.steps.values()] == ["payment", "reservation"]


def test_a_confirmed_order_charged_and_reserved_holds() -> None:
    assert kinds(order("CONFIRMED"), held(pay(), res())) == []


@pytest.mark.parametrize("payment", [None, pay("REFUNDED"), pay("FAILED"), pay(amount="12.49")])
def test_a_confirmed_order_needs_a_charge_of_its_total(payment: PaymentRow | None) -> None:
    assert kinds(order("CONFIRMED"), held(payment, res())) == ["confirmed-not-charged"]


@pytest.mark.parametrize("reservation", [
    None, res("RELEASED"), res("FAILED"),
    res(items=[{"sku": "A", "quantity": 2}]),
    res(items=[{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 3}]),
])
def test_a_confirmed_order_needs_its_items_reserved(reservation: ReservationRow | None) -> None:
    assert kinds(order("CONFIRMED"), held(pay(), reservation)) == ["confirmed-not-reserved"]


def test_a_confirmed_order_without_items_needs_an_empty_reservation() -> None:
    assert kinds(order("CONFIRMED", items=[]), held(pay(), res(items=[]))) == []


@pytest.mark.parametrize("payment", [None, "FAILED", "VOIDED", "REFUNDED"])
@pytest.mark.parametrize("reservation", [None, "FAILED", "RELEASED", "VOIDED"])
def test_a_cancelled_order_without_charge_or_hold_holds(payment: str | None,
                                                        reservation: str | None) -> None:
    records = held(pay(payment) if payment else None, res(reservation) if reservation else None)
    assert kinds(order("CANCELLED"), records) == []


def test_a_cancelled_order_must_not_keep_a_charge_or_a_hold() -> None:
    assert kinds(order("CANCELLED"), held(pay("CHARGED"), res("RESERVED"))) == [
        "cancelled-but-charged", "cancelled-but-reserved"]


def test_a_missing_compensation_is_named_with_the_order() -> None:
    charged, reserved = check([order("CANCELLED")], held(pay("CHARGED"), res("RESERVED"))
                              ).violations
    assert charged.subject == reserved.subject == "order o1"
    assert charged.message.startswith("compensation not done (refund): payment CHARGED 12.50")
    assert reserved.message.startswith("compensation not done (release): reservation RESERVED")
    assert (charged.data["compensation"], reserved.data["compensation"]) == ("refund", "release")
    assert charged.data["order_id"] == reserved.data["order_id"] == "o1"
    assert dict(charged.data) == {"order_id": "o1", "user_id": "u1", "status": "CANCELLED",
                                  "total_amount": "12.50", "payment": "CHARGED",
                                  "amount": "12.50", "compensation": "refund"}


def test_a_cancelled_order_still_compensating_within_grace_is_in_flight() -> None:
    verdicts = check([order("CANCELLED", finished_age_s=2.0)], held(pay(), res()))
    assert (verdicts.violations, verdicts.in_flight) == ([], 1)


def test_a_young_order_not_final_is_in_flight_an_old_one_is_stuck() -> None:
    young = order("PENDING", age_s=5.0, order_id="young")
    old = order("PAID", age_s=45.0, order_id="o1")
    verdicts = check([young, old], held(pay()), grace_s=30.0)
    assert verdicts.in_flight == 1 and not verdicts.violations
    [stuck] = verdicts.stuck
    assert stuck.subject == "order o1"
    assert stuck.data["status"] == "PAID" and stuck.data["last_outcome"] == "payment.charged"
    assert (stuck.data["payment"], stuck.data["reservation"]) == ("CHARGED", None)
    assert stuck.data["age_s"] == 45.0
    assert stuck.message == ("PAID for 45 s (last outcome: payment.charged); payment CHARGED,"
                             " reservation absent")


@pytest.mark.parametrize("status", SAGA.statuses.not_final)
def test_a_stuck_order_reports_what_the_status_table_says_it_last_heard(status: str) -> None:
    [stuck] = check([order(status, age_s=60.0)], held()).stuck
    assert stuck.data["last_outcome"] == SAGA.statuses.last_outcome(status)
    assert f"(last outcome: {SAGA.statuses.last_outcome(status)})" in stuck.message


def test_payments_and_reservations_of_unknown_orders_are_orphans() -> None:
    ghost = PaymentRow("ghost", "u2", Decimal(5), "CHARGED")
    records: Records = {PAYMENT: {"o1": pay(), "ghost": ghost},
                        INVENTORY: {"ghost2": ReservationRow("ghost2", "RESERVED", [])}}
    found = orphans(AUDITS, records, {"o1"})
    assert [(f.kind, f.data["order_id"]) for f in found] == [
        ("orphan-payment", "ghost"), ("orphan-reservation", "ghost2")]
    assert found[0].message == "CHARGED 5 for user u2, no such order"
    assert found[1].message == "RESERVED (none), no such order"

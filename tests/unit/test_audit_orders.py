"""The auditor's per-order invariants, on hand-made rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sagaline.audit.rows import OrderRow, PaymentRow, ReservationRow
from sagaline.audit.saga_checks import check_orders, merged, orphans

pytestmark = pytest.mark.unit

ITEMS = [{"sku": "B", "quantity": 1}, {"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 3}]


def order(status: str, age_s: float = 100.0, finished_age_s: float | None = 90.0,
          total: str = "12.50", items: list[dict[str, object]] = ITEMS,
          order_id: str = "o1") -> OrderRow:
    return OrderRow(order_id, "u1", Decimal(total), status, list(items), age_s,
                    finished_age_s if status in ("CONFIRMED", "CANCELLED") else None)


def pay(status: str = "CHARGED", amount: str = "12.50") -> dict[str, PaymentRow]:
    return {"o1": PaymentRow("o1", "u1", Decimal(amount), status)}


def res(status: str = "RESERVED",
        items: list[dict[str, object]] | None = None) -> dict[str, ReservationRow]:
    held = [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 4}] if items is None else items
    return {"o1": ReservationRow("o1", status, held)}


def kinds(o: OrderRow, payments: dict[str, PaymentRow],
          reservations: dict[str, ReservationRow], grace_s: float = 30.0) -> list[str]:
    return [f.kind for f in check_orders([o], payments, reservations, grace_s).violations]


def test_merged_adds_lines_of_the_same_sku() -> None:
    assert merged(ITEMS) == {"A": 2, "B": 4}


def test_a_confirmed_order_charged_and_reserved_holds() -> None:
    assert kinds(order("CONFIRMED"), pay(), res()) == []


@pytest.mark.parametrize("payments", [{}, pay("REFUNDED"), pay("FAILED"), pay(amount="12.49")])
def test_a_confirmed_order_needs_a_charge_of_its_total(payments: dict[str, PaymentRow]) -> None:
    assert kinds(order("CONFIRMED"), payments, res()) == ["confirmed-not-charged"]


@pytest.mark.parametrize("reservations", [
    {}, res("RELEASED"), res("FAILED"),
    res(items=[{"sku": "A", "quantity": 2}]),
    res(items=[{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 3}]),
])
def test_a_confirmed_order_needs_its_items_reserved(
        reservations: dict[str, ReservationRow]) -> None:
    assert kinds(order("CONFIRMED"), pay(), reservations) == ["confirmed-not-reserved"]


def test_a_confirmed_order_without_items_needs_an_empty_reservation() -> None:
    assert kinds(order("CONFIRMED", items=[]), pay(), res(items=[])) == []


@pytest.mark.parametrize("payment", [None, "FAILED", "VOIDED", "REFUNDED"])
@pytest.mark.parametrize("reservation", [None, "FAILED", "RELEASED", "VOIDED"])
def test_a_cancelled_order_without_charge_or_hold_holds(payment: str | None,
                                                        reservation: str | None) -> None:
    payments = pay(payment) if payment else {}
    reservations = res(reservation) if reservation else {}
    assert kinds(order("CANCELLED"), payments, reservations) == []


def test_a_cancelled_order_must_not_keep_a_charge_or_a_hold() -> None:
    assert kinds(order("CANCELLED"), pay("CHARGED"), res("RESERVED")) == [
        "cancelled-but-charged", "cancelled-but-reserved"]


def test_a_missing_compensation_is_named_with_the_order() -> None:
    charged, reserved = check_orders([order("CANCELLED")], pay("CHARGED"), res("RESERVED"),
                                     30.0).violations
    assert charged.subject == reserved.subject == "order o1"
    assert charged.message.startswith("compensation not done (refund): payment CHARGED 12.50")
    assert reserved.message.startswith("compensation not done (release): reservation RESERVED")
    assert (charged.data["compensation"], reserved.data["compensation"]) == ("refund", "release")
    assert charged.data["order_id"] == reserved.data["order_id"] == "o1"


def test_a_cancelled_order_still_compensating_within_grace_is_in_flight() -> None:
    verdicts = check_orders([order("CANCELLED", finished_age_s=2.0)], pay(), res(), 30.0)
    assert (verdicts.violations, verdicts.in_flight) == ([], 1)


def test_a_young_order_not_final_is_in_flight_an_old_one_is_stuck() -> None:
    young = order("PENDING", age_s=5.0, order_id="young")
    old = order("PAID", age_s=45.0, order_id="o1")
    verdicts = check_orders([young, old], pay(), {}, grace_s=30.0)
    assert verdicts.in_flight == 1 and not verdicts.violations
    [stuck] = verdicts.stuck
    assert stuck.subject == "order o1"
    assert stuck.data["status"] == "PAID" and stuck.data["last_outcome"] == "payment.charged"
    assert (stuck.data["payment"], stuck.data["reservation"]) == ("CHARGED", None)
    assert stuck.data["age_s"] == 45.0


def test_payments_and_reservations_of_unknown_orders_are_orphans() -> None:
    payments = [PaymentRow("o1", "u1", Decimal(1), "CHARGED"),
                PaymentRow("ghost", "u2", Decimal(5), "CHARGED")]
    reservations = [ReservationRow("ghost2", "RESERVED", [])]
    found = orphans(payments, reservations, {"o1"})
    assert [(f.kind, f.data["order_id"]) for f in found] == [
        ("orphan-payment", "ghost"), ("orphan-reservation", "ghost2")]

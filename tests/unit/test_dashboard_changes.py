"""What each step changed, in the saga's timeline: each step's declared changes (a balance, a
stock level, a status, before and after) on the row of the event they came with, or on the
step's own rows once the outbox no longer holds it; and each handled event's handler, as its
module and line, read from the declaration."""

from __future__ import annotations

import dataclasses
import inspect
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
import pytest

import sagaline
from sagaline.core.messaging.envelope import Envelope
from sagaline.dashboard import timeline
from sagaline.dashboard.handler_links import handler_links, where
from sagaline.dashboard.step import Change, HandlerLink, Step
from sagaline.seed_saga import topics
from sagaline.seed_saga.payment import timeline as payment_timeline
from sagaline.seed_saga.payment.fakes import FakePaymentUnitOfWork
from sagaline.seed_saga.payment.handlers import PaymentRules, charge_for_order, refund_after_failure
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import DashboardSettings
from tests.unit.test_dashboard_analysis import T0, event, order, records

pytestmark = pytest.mark.unit
USER = "alice"


def payment(status: str = "CHARGED", after_charge: str | None = "90.00",
            after_refund: str | None = None) -> dict[str, Any]:
    """The payment step's record as its timeline reads it."""
    return {"status": status, "reason": None, "created_at": T0 + 0.1,
            "refunded_at": T0 + 0.5 if after_refund else None, "user_id": USER,
            "amount": Decimal("10.00"),
            "balance_after_charge": Decimal(after_charge) if after_charge else None,
            "balance_after_refund": Decimal(after_refund) if after_refund else None}


def reservation(status: str = "RESERVED", after_reserve: int | None = 8,
                after_release: int | None = None) -> dict[str, Any]:
    return {"status": status, "reason": None, "created_at": T0 + 0.2,
            "released_at": T0 + 0.6 if after_release is not None else None,
            "items": [{"sku": "SKU-1", "quantity": 2}],
            "on_hand_after_reserve": None if after_reserve is None else {"SKU-1": after_reserve},
            "on_hand_after_release": None if after_release is None else {"SKU-1": after_release}}


def changes_of(steps: list[Step], service: str) -> list[tuple[str, tuple[Change, ...]]]:
    return [(s.label, s.changes) for s in steps if s.service == service and s.changes]


def confirmed() -> timeline.SagaRecords:
    created = event(topics.ORDER_CREATED, T0 + 0.01, T0 + 0.02)
    charged = event(topics.PAYMENT_CHARGED, T0 + 0.10, T0 + 0.11)
    reserved = event(topics.INVENTORY_RESERVED, T0 + 0.20, T0 + 0.21)
    handled = {("payment", created["event_id"]): T0 + 0.05,
               ("order", charged["event_id"]): T0 + 0.15,
               ("inventory", charged["event_id"]): T0 + 0.16,
               ("order", reserved["event_id"]): T0 + 0.25}
    return records(order(), {"order": [created], "payment": [charged],
                             "inventory": [reserved]}, handled,
                   payment=payment(), inventory=reservation())


def test_a_confirmed_saga_shows_the_balance_the_stock_and_the_status_moves() -> None:
    steps = timeline.build(confirmed(), SAGA, 60, handler_links(SAGA))
    assert changes_of(steps, "payment") == [("payment.charged committed", (
        Change(f"balance of {USER}", "100.00", "90.00", topics.PAYMENT_CHARGED),))]
    assert changes_of(steps, "inventory") == [("inventory.reserved committed", (
        Change("on hand of SKU-1", 10, 8, topics.INVENTORY_RESERVED),))]
    assert changes_of(steps, "order") == [
        ("payment.charged handled", (Change("status", "PENDING", "PAID",
                                            topics.PAYMENT_CHARGED),)),
        ("inventory.reserved handled", (Change("status", "PAID", "CONFIRMED",
                                               topics.INVENTORY_RESERVED),))]


def test_a_refund_and_a_release_show_on_their_compensations() -> None:
    charged = event(topics.PAYMENT_CHARGED, T0 + 0.10, T0 + 0.11)
    refunded = event(topics.PAYMENT_REFUNDED, T0 + 0.5, T0 + 0.51)
    released = event(topics.INVENTORY_RELEASED, T0 + 0.6, T0 + 0.61)
    found = records(order("CANCELLED", "TIMEOUT", T0 + 0.4),
                    {"payment": [charged, refunded], "inventory": [released]},
                    payment=payment("REFUNDED", "90.00", "100.00"),
                    inventory=reservation("RELEASED", 8, 10))
    steps = timeline.build(found, SAGA, 60)
    balance = f"balance of {USER}"
    assert changes_of(steps, "payment") == [
        ("payment.charged committed", (Change(balance, "100.00", "90.00",
                                              topics.PAYMENT_CHARGED),)),
        ("payment.refunded committed", (Change(balance, "90.00", "100.00",
                                               topics.PAYMENT_REFUNDED),))]
    # The reservation's event is purged: its own row shows it; the release's commit, its own.
    assert changes_of(steps, "inventory") == [
        ("inventory released (from its row)", (Change("on hand of SKU-1", 10, 8,
                                                      topics.INVENTORY_RESERVED),)),
        ("inventory.released committed", (Change("on hand of SKU-1", 8, 10,
                                                 topics.INVENTORY_RELEASED),))]


def test_once_the_outbox_is_purged_each_steps_own_rows_show_what_it_changed() -> None:
    found = records(order("CANCELLED", "OUT_OF_STOCK", T0 + 0.7),
                    payment=payment("REFUNDED", "90.00", "100.00"),
                    inventory=reservation("FAILED", None))
    steps = timeline.build(found, SAGA, 60)
    assert [(s.kind, [(c.before, c.after) for c in s.changes]) for s in steps
            if s.service == "payment"] == [("record", [("100.00", "90.00")]),
                                           ("compensation", [("90.00", "100.00")])]
    assert changes_of(steps, "inventory") == []  # a failed reservation changed nothing
    assert changes_of(steps, "order") == [  # the moves between are not known any more
        ("order CANCELLED (OUT_OF_STOCK)", (Change("status", "PENDING", "CANCELLED"),))]


def test_the_deadline_cancel_is_the_orders_own_move() -> None:
    cancelled = event(topics.ORDER_CANCELLED, T0 + 60, T0 + 60.1)
    steps = timeline.build(records(order("CANCELLED", "TIMEOUT", T0 + 60),
                                   {"order": [cancelled]}), SAGA, 60)
    assert changes_of(steps, "order") == [("order.cancelled committed", (
        Change("status", "PENDING", "CANCELLED", topics.ORDER_CANCELLED),))]


def test_every_handled_event_links_to_its_declared_handler() -> None:
    links = handler_links(SAGA)
    root = Path(sagaline.__file__).parent.parent
    for service in SAGA.services:
        for topic, handler in service.consumes.items():
            file = Path(inspect.getsourcefile(handler) or "").relative_to(root).as_posix()
            line = inspect.getsourcelines(handler)[1]
            assert links[(service.name, topic)] == HandlerLink(f"{file}:{line}")
    line = inspect.getsourcelines(charge_for_order)[1]
    assert where(charge_for_order) == f"sagaline/seed_saga/payment/handlers.py:{line}"
    handled = [s for s in timeline.build(confirmed(), SAGA, 60, links) if s.kind == "handle"]
    assert handled and all(s.handler == links[(s.service, s.topic or "")] for s in handled)
    assert all(s.handler is None for s in timeline.build(confirmed(), SAGA, 60)
               if s.kind != "handle")


def test_a_source_url_makes_each_handler_a_link() -> None:
    base = "https://example.org/sagaline/blob/main/src/"
    link = handler_links(SAGA, base)[("payment", topics.ORDER_CREATED)]
    path, line = link.text.rsplit(":", 1)
    assert link.url == f"{base}{path}#L{line}"


def test_a_handler_without_source_has_no_link() -> None:
    assert where(print) is None
    assert where(eval("lambda event, uow: None")) is None  # code without a file


def test_the_steps_json_carries_changes_and_handler() -> None:
    steps = timeline.as_json(timeline.build(confirmed(), SAGA, 60, handler_links(SAGA)))
    charged = next(s for s in steps if s["label"] == "payment.charged committed")
    assert list(charged["changes"]) == [{"what": f"balance of {USER}", "before": "100.00",
                                   "after": "90.00", "topic": topics.PAYMENT_CHARGED}]
    handled = next(s for s in steps if s["label"] == "order.created handled")
    assert handled["handler"]["text"].startswith("sagaline/seed_saga/payment/handlers.py:")


def test_the_payment_handlers_leave_the_balances_its_timeline_shows() -> None:
    """Through the handlers, on the declared fake: a charge of 300 from 1000, then its
    refund, as the payment step's timeline reads its row."""
    order_id = str(uuid.uuid4())
    created = Envelope.first(topics.ORDER_CREATED, order_id, {
        "orderId": order_id, "userId": USER, "totalAmount": 300,
        "createdAt": "2026-01-01T00:00:00Z", "items": []})
    uow = FakePaymentUnitOfWork()
    with uow:
        charge_for_order(created, uow, PaymentRules(Decimal(1000)))
        refund_after_failure(created.follow(topics.INVENTORY_FAILED, {
            "orderId": order_id, "reason": "OUT_OF_STOCK"}), uow)
        uow.commit()
    row = dataclasses.asdict(uow.payments.rows[uuid.UUID(order_id)])
    assert [(c.before, c.after, c.topic) for c in payment_timeline.balances(row)] == [
        ("1000", "700", topics.PAYMENT_CHARGED), ("700", "1000", topics.PAYMENT_REFUNDED)]


def test_the_source_url_is_a_web_address_or_nothing() -> None:
    assert DashboardSettings().dashboard_source_url is None
    with pytest.raises(pydantic.ValidationError):
        DashboardSettings(dashboard_source_url="javascript:alert(1)")

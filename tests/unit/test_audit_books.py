"""The seed steps' books (payment's money, inventory's stock) and the at-rest invariants
every saga has, on hand-made rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sagaline.audit.dead_letters import per_topic
from sagaline.audit.rest_checks import lag_problems, outbox_problems
from sagaline.audit.rows import DeadLetter, OutboxState, PartitionLag
from sagaline.seed_saga.inventory.audit import StockBook, stock_problems
from sagaline.seed_saga.payment.audit import AccountBook, money_problems
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit

D = Decimal


def test_money_is_conserved_when_balance_is_credit_minus_charges() -> None:
    assert money_problems([AccountBook("u1", D("9870.50"), D(10_000), D("129.50"))]) == []


def test_money_out_of_balance_is_reported_with_the_numbers() -> None:
    [found] = money_problems([AccountBook("u1", D(9900), D(10_000), D(50))])
    assert found.kind == "money-not-conserved" and found.subject == "account u1"
    assert found.data["expected"] == "9950" and "off by -50" in found.message


def test_a_negative_balance_is_a_violation() -> None:
    found = money_problems([AccountBook("u1", D(-10), D(0), D(10))])
    assert [f.kind for f in found] == ["negative-balance"]


def test_charges_without_an_account_are_a_violation() -> None:
    found = money_problems([AccountBook("u9", None, None, D(10))])
    assert [f.kind for f in found] == ["charged-without-account"]


def test_stock_is_conserved_when_on_hand_is_initial_minus_held() -> None:
    assert stock_problems([StockBook("A", 10, 7, 3), StockBook("B", 5, 5, 0)]) == []


def test_stock_out_of_balance_or_negative_is_reported() -> None:
    found = stock_problems([StockBook("A", 10, 8, 3), StockBook("B", 5, -1, 6)])
    assert [(f.kind, f.subject) for f in found] == [
        ("stock-not-conserved", "sku A"), ("negative-stock", "sku B")]
    assert found[0].data["expected"] == 7


def test_a_held_sku_that_is_not_stocked_is_a_violation() -> None:
    assert [f.kind for f in stock_problems([StockBook("X", None, None, 2)])] == [
        "held-unknown-sku"]


def test_a_drained_outbox_holds_stale_and_failed_rows_do_not() -> None:
    assert outbox_problems([OutboxState("order", 0, 1.0, 0)], 5.0) == []
    found = outbox_problems([OutboxState("payment", 3, 12.0, 2, ("#7 t: boom",))], 5.0)
    assert [f.kind for f in found] == ["outbox-not-drained", "outbox-failed"]
    assert "3 unpublished rows older than 5 s" in found[0].message
    assert "#7 t: boom" in found[1].message


def test_consumer_lag_is_counted_from_the_commit_or_from_the_start() -> None:
    assert PartitionLag("g", "t", 0, 10, 0, 10).lag == 0
    assert PartitionLag("g", "t", 1, None, 4, 9).lag == 5  # never committed: starts earliest
    lags = [PartitionLag("g", "t", 0, 8, 0, 10), PartitionLag("g", "t", 1, None, 0, 1),
            PartitionLag("g", "u", 0, 3, 0, 3)]
    [found] = lag_problems(lags)
    assert (found.kind, found.data["topic"], found.data["lag"]) == ("consumer-lag", "t", 3)


def test_dead_letters_are_listed_per_topic_that_has_any() -> None:
    full = SAGA.dead_letter_topics[0]
    letters = [DeadLetter(full, f"0:{i}", "t", "k", "E: e", poison) for i, poison in
               enumerate((None, "not an event"))]
    found = per_topic(letters)
    assert [(f.subject, f.data["count"], f.data["poison"]) for f in found] == [
        (f"topic {full}", 2, 1)]

from __future__ import annotations

import pytest

from sagaline.core.envelope import Envelope
from sagaline.services import topics
from sagaline.services.inventory.handlers import (
    refuse_reservation,
    release_for_cancelled_order,
    reserve_for_paid_order,
)
from sagaline.services.topology import INVENTORY_TOPOLOGY
from tests.fakes import FakeInventoryUnitOfWork

pytestmark = pytest.mark.unit
HANDLERS = INVENTORY_TOPOLOGY.handlers()


def paid(order_id: str, *items: tuple[str, int]) -> Envelope:
    payload = {"orderId": order_id, "amount": 10,
               "items": [{"sku": s, "quantity": q} for s, q in items]}
    return Envelope.first(topics.PAYMENT_CHARGED, order_id, payload)


def run(uow: FakeInventoryUnitOfWork, *events: Envelope) -> list[Envelope]:
    with uow:
        for event in events:
            HANDLERS[event.topic](event, uow)
        uow.commit()
    return uow.committed


def test_reserves_every_item_and_takes_the_stock() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5, "B": 5})
    (out,) = run(uow, paid("o-1", ("A", 2), ("B", 1), ("A", 1)))
    assert out.topic == topics.INVENTORY_RESERVED and out.payload == {"orderId": "o-1"}
    assert uow.stock.get("A").on_hand == 2 and uow.stock.get("B").on_hand == 4
    assert uow.reservations.get("o-1").items == [{"sku": "A", "quantity": 3},
                                                 {"sku": "B", "quantity": 1}]


def test_reserves_nothing_when_any_item_is_short() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5, "B": 1})
    (out,) = run(uow, paid("o-1", ("A", 2), ("B", 2)))
    assert out.topic == topics.INVENTORY_FAILED
    assert out.payload == {"orderId": "o-1", "reason": "OUT_OF_STOCK"}
    assert uow.stock.get("A").on_hand == 5 and uow.stock.get("B").on_hand == 1
    assert uow.reservations.get("o-1").status == "FAILED"


def test_an_unknown_sku_fails_the_reservation() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    (out,) = run(uow, paid("o-1", ("A", 1), ("NOPE", 1)))
    assert out.payload["reason"] == "UNKNOWN_SKU"
    assert uow.stock.get("A").on_hand == 5


def test_an_order_without_items_reserves_nothing_and_succeeds() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    (out,) = run(uow, paid("o-1"))
    assert out.topic == topics.INVENTORY_RESERVED


def test_the_same_order_is_reserved_once() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    run(uow, paid("o-1", ("A", 2)), paid("o-1", ("A", 2)))
    assert uow.stock.get("A").on_hand == 3
    assert len(uow.committed) == 1


def test_stock_runs_out_exactly() -> None:
    uow = FakeInventoryUnitOfWork({"A": 3})
    out = run(uow, *(paid(f"o-{n}", ("A", 1)) for n in range(5)))
    assert [e.topic for e in out].count(topics.INVENTORY_RESERVED) == 3
    assert uow.stock.get("A").on_hand == 0


def cancel(order_id: str) -> Envelope:
    return Envelope.first(topics.ORDER_CANCELLED, order_id,
                          {"orderId": order_id, "userId": "u", "amount": 1})


def test_a_cancelled_order_gives_its_stock_back_once() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    with uow:
        reserve_for_paid_order(paid("o-1", ("A", 2)), uow)
        release_for_cancelled_order(cancel("o-1"), uow)
        release_for_cancelled_order(cancel("o-1"), uow)
        uow.commit()
    assert uow.stock.get("A").on_hand == 5
    assert uow.reservations.get("o-1").status == "RELEASED"
    released = [e for e in uow.committed if e.topic == topics.INVENTORY_RELEASED]
    assert [e.payload["items"] for e in released] == [[{"sku": "A", "quantity": 2}]]


def test_a_cancellation_before_the_reservation_voids_it() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    run(uow, cancel("o-1"), paid("o-1", ("A", 2)))
    with uow:
        release_for_cancelled_order(cancel("o-1"), uow)
    assert uow.stock.get("A").on_hand == 5
    assert uow.reservations.get("o-1").status == "VOIDED" and uow.committed == []


def test_refusing_fails_the_reservation_with_the_reason_and_takes_nothing() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    with uow:
        refuse_reservation(paid("o-1", ("A", 2)), uow, "SOME_REASON")
        refuse_reservation(paid("o-1", ("A", 2)), uow, "SOME_REASON")  # decided already
        reserve_for_paid_order(paid("o-1", ("A", 2)), uow)  # so is a later reservation
        uow.commit()
    assert uow.stock.get("A").on_hand == 5
    held = uow.reservations.get("o-1")
    assert (held.status, held.reason, held.items) == ("FAILED", "SOME_REASON",
                                                      [{"sku": "A", "quantity": 2}])
    (failed,) = uow.committed
    assert failed.payload == {"orderId": "o-1", "reason": "SOME_REASON"}


def test_a_reserved_order_is_not_refused_afterwards() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    run(uow, paid("o-1", ("A", 2)))
    with uow:
        refuse_reservation(paid("o-1", ("A", 2)), uow, "SOME_REASON")
        uow.commit()
    assert uow.reservations.get("o-1").status == "RESERVED"
    assert uow.stock.get("A").on_hand == 3

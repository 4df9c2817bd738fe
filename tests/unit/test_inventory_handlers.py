from __future__ import annotations

import uuid

import pytest

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.retry import PermanentError
from sagaline.seed_saga import topics
from sagaline.seed_saga.inventory.fakes import FakeInventoryUnitOfWork
from sagaline.seed_saga.inventory.handlers import (
    refuse_reservation,
    release_for_order,
    reserve_for_paid_order,
)
from sagaline.seed_saga.saga import SAGA

O1 = uuid.UUID("00000000-0000-4000-8000-000000000001")

pytestmark = pytest.mark.unit
HANDLERS = SAGA.service("inventory").bind()


def paid(order_id: uuid.UUID | str, *items: tuple[str, int]) -> Envelope:
    payload = {"orderId": str(order_id), "amount": 10,
               "items": [{"sku": s, "quantity": q} for s, q in items]}
    return Envelope.first(topics.PAYMENT_CHARGED, str(order_id), payload)


def run(uow: FakeInventoryUnitOfWork, *events: Envelope) -> list[Envelope]:
    with uow:
        for event in events:
            HANDLERS[event.topic](event, uow)
        uow.commit()
    return uow.committed


def test_reserves_every_item_and_takes_the_stock() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5, "B": 5})
    (out,) = run(uow, paid(O1, ("A", 2), ("B", 1), ("A", 1)))
    assert out.topic == topics.INVENTORY_RESERVED and out.payload == {"orderId": str(O1)}
    assert on_hand(uow, "A") == 2 and on_hand(uow, "B") == 4
    assert uow.reservations.rows[O1].items == [{"sku": "A", "quantity": 3},
                                                 {"sku": "B", "quantity": 1}]


def test_reserves_nothing_when_any_item_is_short() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5, "B": 1})
    (out,) = run(uow, paid(O1, ("A", 2), ("B", 2)))
    assert out.topic == topics.INVENTORY_FAILED
    assert out.payload == {"orderId": str(O1), "reason": "OUT_OF_STOCK"}
    assert on_hand(uow, "A") == 5 and on_hand(uow, "B") == 1
    assert uow.reservations.rows[O1].status == "FAILED"


def test_an_unknown_sku_fails_the_reservation() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    (out,) = run(uow, paid(O1, ("A", 1), ("NOPE", 1)))
    assert out.payload["reason"] == "UNKNOWN_SKU"
    assert on_hand(uow, "A") == 5


def test_an_order_without_items_reserves_nothing_and_succeeds() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    (out,) = run(uow, paid(O1))
    assert out.topic == topics.INVENTORY_RESERVED


def test_the_same_order_is_reserved_once() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    run(uow, paid(O1, ("A", 2)), paid(O1, ("A", 2)))
    assert on_hand(uow, "A") == 3
    assert len(uow.committed) == 1


def test_stock_runs_out_exactly() -> None:
    uow = FakeInventoryUnitOfWork({"A": 3})
    out = run(uow, *(paid(uuid.uuid4(), ("A", 1)) for _ in range(5)))
    assert [e.topic for e in out].count(topics.INVENTORY_RESERVED) == 3
    assert on_hand(uow, "A") == 0


def cancel(order_id: uuid.UUID | str) -> Envelope:
    return Envelope.first(topics.ORDER_CANCELLED, str(order_id),
                          {"orderId": str(order_id), "userId": "u", "amount": 1})


def test_a_cancelled_order_gives_its_stock_back_once() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    with uow:
        reserve_for_paid_order(paid(O1, ("A", 2)), uow)
        release_for_order(cancel(O1), uow)
        release_for_order(cancel(O1), uow)
        uow.commit()
    assert on_hand(uow, "A") == 5
    assert uow.reservations.rows[O1].status == "RELEASED"
    released = [e for e in uow.committed if e.topic == topics.INVENTORY_RELEASED]
    assert [e.payload["items"] for e in released] == [[{"sku": "A", "quantity": 2}]]


def test_a_cancellation_before_the_reservation_voids_it() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    run(uow, cancel(O1), paid(O1, ("A", 2)))
    with uow:
        release_for_order(cancel(O1), uow)
    assert on_hand(uow, "A") == 5
    assert uow.reservations.rows[O1].status == "VOIDED" and uow.committed == []


def test_refusing_fails_the_reservation_with_the_reason_and_takes_nothing() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    with uow:
        refuse_reservation(paid(O1, ("A", 2)), uow, "SOME_REASON")
        refuse_reservation(paid(O1, ("A", 2)), uow, "SOME_REASON")  # decided already
        reserve_for_paid_order(paid(O1, ("A", 2)), uow)  # so is a later reservation
        uow.commit()
    assert on_hand(uow, "A") == 5
    held = uow.reservations.rows[O1]
    assert (held.status, held.reason, held.items) == ("FAILED", "SOME_REASON",
                                                      [{"sku": "A", "quantity": 2}])
    (failed,) = uow.committed
    assert failed.payload == {"orderId": str(O1), "reason": "SOME_REASON"}


def test_a_reserved_order_is_not_refused_afterwards() -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    run(uow, paid(O1, ("A", 2)))
    with uow:
        refuse_reservation(paid(O1, ("A", 2)), uow, "SOME_REASON")
        uow.commit()
    assert uow.reservations.rows[O1].status == "RESERVED"
    assert on_hand(uow, "A") == 3


def on_hand(uow: FakeInventoryUnitOfWork, sku: str) -> int:
    return uow.stock.rows[sku].on_hand


@pytest.mark.parametrize("event", [paid("o-1", ("A", 1)), cancel("o-1")],
                         ids=["payment.charged", "order.cancelled"])
def test_an_order_id_that_is_no_uuid_is_given_up_before_any_effect(event: Envelope) -> None:
    uow = FakeInventoryUnitOfWork({"A": 5})
    with pytest.raises(PermanentError, match="not a UUID"):
        run(uow, event)
    assert on_hand(uow, "A") == 5 and uow.reservations.rows == {}
    assert uow.committed == [] and uow.commits == 0

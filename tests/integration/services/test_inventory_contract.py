"""The `Stock` and `Reservations` contracts, on the fakes and on PostgreSQL: what inventory's
handlers rely on."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest
from psycopg import errors

from sagaline.devstack import Stack
from sagaline.seed_saga.inventory.repository import InventoryUnitOfWork, Reservation, StockLevel
from sagaline.seed_saga.inventory.sql_repository import PostgresInventoryUnitOfWork
from sagaline.seed_saga.inventory.status import ReservationStatus
from tests.integration.services.conftest import (
    IMPLEMENTATIONS,
    Storage,
    declared_fake,
    new_name,
    sql_storage,
)

RELEASED = ReservationStatus.RELEASED
RESERVED = ReservationStatus.RESERVED
VOIDED = ReservationStatus.VOIDED

Inventory = Storage[InventoryUnitOfWork]


@pytest.fixture(params=IMPLEMENTATIONS)
def inventory(request: pytest.FixtureRequest) -> Iterator[Inventory]:
    if request.param == "fake":
        fake = declared_fake("inventory")
        yield Storage(lambda: fake)
        return
    stack: Stack = request.getfixturevalue("stack")
    with sql_storage(stack, "inventory", PostgresInventoryUnitOfWork) as storage:
        yield storage


def stocked(inventory: Inventory, *quantities: int) -> list[str]:
    """New SKUs holding these quantities, in SKU order."""
    skus = sorted(new_name("SKU") for _ in quantities)
    inventory.run(lambda uow: uow.stock.seed(dict(zip(skus, quantities, strict=True))))
    return skus


def on_hand(inventory: Inventory, *skus: str) -> list[int | None]:
    levels = inventory.run(lambda uow: [uow.stock.get(sku) for sku in skus])
    return [level.on_hand if level else None for level in levels]


def test_seed_creates_new_skus_and_keeps_existing_ones(inventory: Inventory) -> None:
    (old,) = stocked(inventory, 5)
    new = new_name("SKU")
    inventory.run(lambda uow: uow.stock.seed({old: 50, new: 7}))
    assert inventory.run(lambda uow: [uow.stock.get(old), uow.stock.get(new)]) == [
        StockLevel(old, 5, 5), StockLevel(new, 7, 7)]
    assert inventory.run(lambda uow: uow.stock.get(new_name("SKU"))) is None


def test_restock_adds_to_initial_and_on_hand_creating_the_sku(inventory: Inventory) -> None:
    sku = new_name("SKU")
    assert inventory.run(lambda uow: uow.stock.restock(sku, 3)) == StockLevel(sku, 3, 3)
    inventory.run(lambda uow: uow.stock.take({sku: 2}))
    assert inventory.run(lambda uow: uow.stock.restock(sku, 4)) == StockLevel(sku, 7, 5)


def test_lock_reads_known_skus_in_sku_order(inventory: Inventory) -> None:
    a, b, c = stocked(inventory, 1, 2, 3)
    locked = inventory.run(lambda uow: uow.stock.lock([c, new_name("SKU"), a, b]))
    assert list(locked.items()) == [(a, 1), (b, 2), (c, 3)]


def test_take_and_give_back_move_on_hand_only(inventory: Inventory) -> None:
    a, b = stocked(inventory, 5, 5)
    inventory.run(lambda uow: uow.stock.take({b: 2, a: 5}))
    assert on_hand(inventory, a, b) == [0, 3]
    inventory.run(lambda uow: uow.stock.give_back({a: 1, b: 2}))
    assert on_hand(inventory, a, b) == [1, 5]
    assert inventory.run(lambda uow: uow.stock.get(a)) == StockLevel(a, 5, 1)


def test_unknown_skus_are_left_out_and_not_created(inventory: Inventory) -> None:
    (a,) = stocked(inventory, 5)
    unknown = new_name("SKU")
    inventory.run(lambda uow: uow.stock.take({a: 1, unknown: 1}))
    inventory.run(lambda uow: uow.stock.give_back({unknown: 1}))
    assert on_hand(inventory, a, unknown) == [4, None]


def test_stock_never_goes_negative_and_a_failed_take_takes_nothing(
        inventory: Inventory) -> None:
    a, b = stocked(inventory, 5, 1)
    with pytest.raises(errors.CheckViolation):
        inventory.run(lambda uow: uow.stock.take({a: 2, b: 2}))
    assert on_hand(inventory, a, b) == [5, 1]


def add(inventory: Inventory, *reservations: Reservation) -> None:
    def add_all(uow: InventoryUnitOfWork) -> None:
        for one in reservations:
            uow.reservations.add(one)
    inventory.run(add_all)


def reservation_of(inventory: Inventory, order_id: uuid.UUID,
                   for_update: bool = False) -> Reservation | None:
    return inventory.run(lambda uow: uow.reservations.get(order_id, for_update))


def new_reservation(status: str = RESERVED) -> Reservation:
    return Reservation(uuid.uuid4(), status, [{"sku": new_name("SKU"), "quantity": 2}])


def test_an_added_reservation_reads_back(inventory: Inventory) -> None:
    held, voided = new_reservation(), Reservation(uuid.uuid4(), VOIDED, [], "TIMEOUT")
    add(inventory, held, voided)
    for added in (held, voided):
        for got in (reservation_of(inventory, added.order_id),
                    reservation_of(inventory, added.order_id, for_update=True)):
            assert got is not None and got.created_at is not None and got.released_at is None
            assert (got.order_id, got.status, got.items, got.reason) == (
                added.order_id, added.status, added.items, added.reason)
    assert reservation_of(inventory, uuid.uuid4()) is None


def test_a_second_reservation_for_an_order_is_an_error(inventory: Inventory) -> None:
    first = new_reservation()
    add(inventory, first)
    with pytest.raises(errors.UniqueViolation):
        add(inventory, dataclasses.replace(first, status=VOIDED, items=[]))
    kept = reservation_of(inventory, first.order_id)
    assert kept is not None and kept.status == RESERVED


def test_a_release_marks_that_reservation_only(inventory: Inventory) -> None:
    released, other = new_reservation(), new_reservation()
    add(inventory, released, other)
    inventory.run(lambda uow: uow.reservations.mark_released(released.order_id))
    got = [reservation_of(inventory, released.order_id), reservation_of(inventory,
                                                                         other.order_id)]
    assert got[0] is not None and got[0].status == RELEASED and got[0].released_at is not None
    assert got[1] is not None and got[1].status == RESERVED and got[1].released_at is None


def test_a_reservation_keeps_the_on_hand_after_its_take_and_its_release(
        inventory: Inventory) -> None:
    """What the dashboard's timeline shows the step changed: each SKU's on-hand right after
    the take (read ahead, in the same unit of work: pipelined on PostgreSQL) and after the
    give-back; a failed reservation keeps none."""
    a, b = stocked(inventory, 10, 5)
    first = Reservation(uuid.uuid4(), RESERVED, [{"sku": a, "quantity": 2},
                                                 {"sku": b, "quantity": 1}])
    second = Reservation(uuid.uuid4(), RESERVED, [{"sku": a, "quantity": 3}])
    failed = Reservation(uuid.uuid4(), ReservationStatus.FAILED, [{"sku": a, "quantity": 99}],
                         "OUT_OF_STOCK")

    def reserve(uow: InventoryUnitOfWork) -> None:
        uow.stock.preload([a, b])
        assert uow.stock.lock([a, b]) == {a: 10, b: 5}
        uow.stock.take({a: 2, b: 1})
        uow.reservations.add(first)
        uow.stock.take({a: 3})
        uow.reservations.add(second)
        uow.reservations.add(failed)
    inventory.run(reserve)
    got = [reservation_of(inventory, r.order_id) for r in (first, second, failed)]
    assert [g.on_hand_after_reserve if g else "missing" for g in got] == [
        {a: 8, b: 4}, {a: 5}, None]
    assert all(g is not None and g.on_hand_after_release is None for g in got)

    def release(uow: InventoryUnitOfWork) -> None:
        uow.stock.give_back({a: 2, b: 1})
        uow.reservations.mark_released(first.order_id)
    inventory.run(release)
    released = reservation_of(inventory, first.order_id)
    assert released is not None and released.on_hand_after_release == {a: 7, b: 5}
    assert released.on_hand_after_reserve == {a: 8, b: 4}  # kept

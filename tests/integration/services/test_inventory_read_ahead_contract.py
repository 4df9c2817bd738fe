"""Reading ahead (`preload`) in the `Stock` and `Reservations` contracts, on the fakes and on
PostgreSQL: within a unit of work, whatever was preloaded, the answers are those without it;
a competitor's write after the preload meets this unit of work at the reservation's key."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from psycopg import errors

from sagaline.seed_saga.inventory.repository import InventoryUnitOfWork, StockLevel
from tests.integration.services import test_inventory_contract as contract
from tests.integration.services.conftest import new_name

inventory = contract.inventory  # the same fixture: the fake, then PostgreSQL
Inventory = contract.Inventory
RESERVED, RELEASED = contract.RESERVED, contract.RELEASED


def test_preloaded_stock_locks_as_without_and_follows_takes_and_give_backs(
        inventory: Inventory) -> None:
    a, b = contract.stocked(inventory, 5, 3)
    unknown, later = new_name("SKU"), new_name("SKU")

    def work(uow: InventoryUnitOfWork) -> list[dict[str, int]]:
        uow.stock.preload({a, b, unknown})
        first = uow.stock.lock([b, unknown, a])
        uow.stock.take({a: 2, b: 3})
        second = uow.stock.lock([a, b])
        uow.stock.give_back({b: 1})
        uow.stock.restock(later, 4)  # not preloaded: asked of the database
        return [first, second, uow.stock.lock([b]), uow.stock.lock([later, a])]

    assert inventory.run(work) == [{a: 5, b: 3}, {a: 3, b: 0}, {b: 1}, {a: 3, later: 4}]
    assert inventory.run(lambda uow: uow.stock.get(b)) == StockLevel(b, 3, 1)


def test_a_restock_after_a_preload_counts_for_the_next_lock(inventory: Inventory) -> None:
    (a,) = contract.stocked(inventory, 1)

    def work(uow: InventoryUnitOfWork) -> dict[str, int]:
        uow.stock.preload([a])
        assert uow.stock.lock([a]) == {a: 1}
        uow.stock.restock(a, 2)
        return uow.stock.lock([a])

    assert inventory.run(work) == {a: 3}


def test_preloaded_reservations_read_as_without_and_follow_this_unit_of_works_writes(
        inventory: Inventory) -> None:
    held, new = contract.new_reservation(), contract.new_reservation()
    contract.add(inventory, held)

    def work(uow: InventoryUnitOfWork) -> list[str | None]:
        uow.reservations.preload([held.order_id, new.order_id])
        before = [uow.reservations.get(held.order_id), uow.reservations.get(new.order_id),
                  uow.reservations.get(uuid.uuid4())]
        uow.reservations.add(new)
        uow.reservations.mark_released(held.order_id)
        after = [uow.reservations.get(held.order_id), uow.reservations.get(new.order_id),
                 uow.reservations.get(held.order_id, for_update=True)]
        return [r.status if r else None for r in before + after]

    assert inventory.run(work) == [RESERVED, None, None, RELEASED, RESERVED, RELEASED]


def test_a_competitor_deciding_after_the_preload_meets_this_one_at_the_key(
        inventory: Inventory) -> None:
    ours = contract.new_reservation()
    with pytest.raises(errors.UniqueViolation), inventory.open() as uow:
        uow.reservations.preload([ours.order_id])
        assert uow.reservations.get(ours.order_id) is None
        contract.add(inventory, dataclasses.replace(ours, status=contract.VOIDED))  # the other
        uow.reservations.add(ours)
        uow.commit()
    kept = contract.reservation_of(inventory, ours.order_id)
    assert kept is not None and kept.status == contract.VOIDED

"""The `Orders` contract, on the fake and on PostgreSQL: what order's handlers rely on."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TypeVar

import psycopg
import pytest
from psycopg import errors

from sagaline.core.observability import tracing
from sagaline.devstack import Stack
from sagaline.seed_saga.order.fakes import FakeOrderUnitOfWork
from sagaline.seed_saga.order.repository import (
    Finished,
    Order,
    Orders,
    OrderUnitOfWork,
    PostgresOrderUnitOfWork,
)
from sagaline.seed_saga.order.status import NOT_FINAL, OrderStatus
from sagaline.seed_saga.saga import SAGA
from tests.integration.services.conftest import (
    IMPLEMENTATIONS,
    Storage,
    declared_fake,
    new_name,
    sql_storage,
)

CANCELLED = OrderStatus.CANCELLED
COMPENSATING = OrderStatus.COMPENSATING
CONFIRMED = OrderStatus.CONFIRMED
PAID = OrderStatus.PAID
PENDING = OrderStatus.PENDING

R = TypeVar("R")


@dataclass(frozen=True)
class OrderStorage:
    storage: Storage[OrderUnitOfWork]
    age: Callable[[uuid.UUID, float], None]  # make an order look created that much earlier

    def run(self, work: Callable[[Orders], R]) -> R:
        return self.storage.run(lambda uow: work(uow.orders))


@pytest.fixture(params=IMPLEMENTATIONS)
def orders(request: pytest.FixtureRequest) -> Iterator[OrderStorage]:
    if request.param == "fake":
        fake: FakeOrderUnitOfWork = declared_fake("order")

        def age_fake(order_id: uuid.UUID, seconds: float) -> None:
            row = fake.orders.rows[order_id]
            assert row.created_at is not None
            fake.orders.rows[order_id] = dataclasses.replace(
                row, created_at=row.created_at - timedelta(seconds=seconds))

        yield OrderStorage(Storage(lambda: fake), age_fake)
        return
    stack: Stack = request.getfixturevalue("stack")
    with sql_storage(stack, "order",
                     lambda pool: PostgresOrderUnitOfWork(pool, SAGA.statuses)) as storage:
        def age_row(order_id: uuid.UUID, seconds: float) -> None:
            assert storage.dsn is not None
            with psycopg.connect(storage.dsn, autocommit=True) as conn:
                conn.execute("UPDATE orders SET created_at = created_at"
                             " - make_interval(secs => %s) WHERE order_id = %s",
                             (seconds, order_id))

        yield OrderStorage(storage, age_row)


def new_order(key: str | None = None, amount: str = "12.50") -> Order:
    return Order(order_id=uuid.uuid4(), user_id=new_name("user"), total_amount=Decimal(amount),
                 items=[{"sku": new_name("SKU"), "quantity": 2}], idempotency_key=key,
                 request_hash="h1")


def placed(orders: OrderStorage, *statuses: str) -> list[Order]:
    """One new order per status given, moved there."""
    made = [new_order() for _ in statuses]
    for order, status in zip(made, statuses, strict=True):
        def add_and_move(o: Orders, order: Order = order, status: str = status) -> None:
            assert o.add(order)
            o.move(order.order_id, status, None, [PENDING])
        orders.run(add_and_move)
    return made


def test_an_added_order_reads_back_pending(orders: OrderStorage) -> None:
    order = new_order(key=new_name("key"))
    assert orders.run(lambda o: o.add(order))
    got = orders.run(lambda o: o.get(order.order_id))
    assert got is not None
    assert (got.order_id, got.user_id, got.total_amount, got.items, got.idempotency_key,
            got.request_hash) == (order.order_id, order.user_id, Decimal("12.50"), order.items,
                                  order.idempotency_key, "h1")
    assert (got.status, got.reason, got.finished_at) == (PENDING, None, None)
    assert got.created_at is not None


def test_an_unknown_order_or_key_finds_nothing(orders: OrderStorage) -> None:
    assert orders.run(lambda o: o.get(uuid.uuid4())) is None
    assert orders.run(lambda o: o.by_idempotency_key(new_name("key"))) is None


def test_a_held_idempotency_key_refuses_the_second_order_and_writes_nothing(
        orders: OrderStorage) -> None:
    key = new_name("key")
    first, second = new_order(key), new_order(key, amount="99")
    assert orders.run(lambda o: o.add(first))
    assert not orders.run(lambda o: o.add(second))
    assert orders.run(lambda o: o.get(second.order_id)) is None
    held = orders.run(lambda o: o.by_idempotency_key(key))
    assert held is not None and held.order_id == first.order_id


def test_orders_without_a_key_never_conflict(orders: OrderStorage) -> None:
    one, two = new_order(), new_order()
    assert orders.run(lambda o: o.add(one)) and orders.run(lambda o: o.add(two))
    assert orders.run(lambda o: [o.get(one.order_id), o.get(two.order_id)]) != [None, None]


def test_an_order_id_that_exists_is_an_error(orders: OrderStorage) -> None:
    order = new_order()
    orders.run(lambda o: o.add(order))
    with pytest.raises(errors.UniqueViolation):
        orders.run(lambda o: o.add(dataclasses.replace(order, user_id="other")))
    kept = orders.run(lambda o: o.get(order.order_id))
    assert kept is not None and kept.user_id == order.user_id


def status_and_reason(orders: OrderStorage, order_id: uuid.UUID) -> tuple[str, str | None]:
    got = orders.run(lambda o: o.get(order_id))
    assert got is not None
    return got.status, got.reason


def test_a_move_happens_only_from_an_allowed_status(orders: OrderStorage) -> None:
    (order,) = placed(orders, PENDING)
    orders.run(lambda o: o.move(order.order_id, CONFIRMED, None, [PAID]))  # not from PENDING
    assert status_and_reason(orders, order.order_id) == (PENDING, None)
    orders.run(lambda o: o.move(order.order_id, PAID, None, [PENDING]))
    assert status_and_reason(orders, order.order_id) == (PAID, None)
    orders.run(lambda o: o.move(order.order_id, PAID, "again", [PENDING]))  # already moved
    assert status_and_reason(orders, order.order_id) == (PAID, None)


def test_moving_an_unknown_order_changes_nothing(orders: OrderStorage) -> None:
    unknown = uuid.uuid4()
    orders.run(lambda o: o.move(unknown, CANCELLED, "TIMEOUT", NOT_FINAL))
    assert orders.run(lambda o: o.get(unknown)) is None


def test_a_reason_once_set_stays(orders: OrderStorage) -> None:
    (order,) = placed(orders, PAID)
    orders.run(lambda o: o.move(order.order_id, COMPENSATING, "OUT_OF_STOCK", NOT_FINAL))
    orders.run(lambda o: o.move(order.order_id, CANCELLED, "REFUNDED", NOT_FINAL))
    assert status_and_reason(orders, order.order_id) == (CANCELLED, "OUT_OF_STOCK")


def test_finished_at_is_set_by_a_move_to_a_final_status(orders: OrderStorage) -> None:
    pending, paid = placed(orders, PENDING, PAID)
    orders.run(lambda o: o.move(pending.order_id, CANCELLED, "TIMEOUT", NOT_FINAL))
    got = orders.run(lambda o: [o.get(pending.order_id), o.get(paid.order_id)])
    assert got[0] is not None and got[0].finished_at is not None
    assert got[1] is not None and got[1].finished_at is None


def ids(found: list[Order]) -> list[uuid.UUID]:
    return [order.order_id for order in found]


def test_newest_come_first_filtered_by_status_and_limited(orders: OrderStorage) -> None:
    first, second, third = placed(orders, PENDING, PAID, PENDING)
    for order, seconds in [(first, 30), (second, 20), (third, 10)]:
        orders.age(order.order_id, seconds)
    assert ids(orders.run(lambda o: o.newest(None, 10))) == [
        third.order_id, second.order_id, first.order_id]
    assert ids(orders.run(lambda o: o.newest(PENDING, 10))) == [third.order_id, first.order_id]
    assert ids(orders.run(lambda o: o.newest(None, 1))) == [third.order_id]


def test_overdue_picks_only_orders_not_final_oldest_first(orders: OrderStorage) -> None:
    made = placed(orders, PENDING, PAID, COMPENSATING, CONFIRMED, CANCELLED)
    for n, order in enumerate(made):
        orders.age(order.order_id, 100 - n)
    (fresh,) = placed(orders, PENDING)
    overdue = orders.run(lambda o: [x.order_id for x in o.overdue(60, 10)])
    assert overdue == [order.order_id for order in made[:3]]  # not final, not fresh
    assert orders.run(lambda o: [x.order_id for x in o.overdue(60, 2)]) == overdue[:2]
    assert fresh.order_id not in overdue


def test_in_flight_counts_orders_not_final_and_the_oldest_age(orders: OrderStorage) -> None:
    assert orders.run(lambda o: o.in_flight()) == (0, 0.0)
    made = placed(orders, PENDING, PAID, COMPENSATING, CONFIRMED, CANCELLED)
    orders.age(made[1].order_id, 100)
    orders.age(made[3].order_id, 500)  # final: not in flight, however old
    count, oldest_s = orders.run(lambda o: o.in_flight())
    assert count == 3
    assert 100 <= oldest_s < 160


def test_a_final_move_reports_the_outcome_after_commit(stack: Stack) -> None:
    """Only the SQL unit of work reports outcomes (the saga metrics read them): once per
    order that became final in the committed transaction, none for a move that did not."""
    heard: list[Finished] = []
    with sql_storage(stack, "order",
                     lambda pool: PostgresOrderUnitOfWork(pool, SAGA.statuses,
                                                          on_finished=heard.append)
                     ) as storage:
        order = new_order()
        storage.run(lambda uow: uow.orders.add(order))
        storage.run(lambda uow: uow.orders.move(order.order_id, CANCELLED, "TIMEOUT", NOT_FINAL))
        storage.run(lambda uow: uow.orders.move(order.order_id, CONFIRMED, None, NOT_FINAL))
    assert [(f.status, f.reason) for f in heard] == [(CANCELLED, "TIMEOUT")]
    assert 0 <= heard[0].seconds < 60


def test_an_orders_trace_context_is_kept_for_the_deadline(orders: OrderStorage) -> None:
    traced = dataclasses.replace(new_order(), traceparent=tracing.new_traceparent())
    assert orders.run(lambda o: o.add(traced))
    got = orders.run(lambda o: o.get(traced.order_id))
    assert got is not None and got.traceparent == traced.traceparent
    orders.age(traced.order_id, 120)
    overdue = orders.run(lambda o: o.overdue(60, 1000))
    assert [o.traceparent for o in overdue if o.order_id == traced.order_id] == [
        traced.traceparent]

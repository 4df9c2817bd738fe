"""Set-based handlers without a database: the read-ahead map, which events the processor hands
to `preload`, and which keys each service's unit of work reads ahead for them."""

from __future__ import annotations

import uuid
from typing import Any, cast

import psycopg
import pytest

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.messaging.read_ahead import ReadAhead
from sagaline.seed_saga import ids, topics
from sagaline.seed_saga.inventory.fakes import FakeReservations, FakeStock
from sagaline.seed_saga.inventory.sql_repository import PostgresInventoryUnitOfWork
from sagaline.seed_saga.payment.fakes import FakeAccounts, FakePayments
from sagaline.seed_saga.payment.sql_repository import PostgresPaymentUnitOfWork
from sagaline.testing.unit_of_work import InMemoryUnitOfWork

pytestmark = pytest.mark.unit


class QueuedRows:
    """A cursor whose statement was sent; counts the waits for its answer."""

    def __init__(self, *rows: tuple[str, int]) -> None:
        self.rows, self.reads = list(rows), 0

    def fetchall(self) -> list[tuple[str, int]]:
        self.reads += 1
        return self.rows


def read_ahead(keys: list[str], cursor: QueuedRows) -> ReadAhead[str, tuple[str, int]]:
    ahead: ReadAhead[str, tuple[str, int]] = ReadAhead(lambda row: row[0])
    ahead.queue(keys, cast(psycopg.Cursor[tuple[str, int]], cursor))
    return ahead


def test_rows_are_read_once_at_the_first_lookup_and_absent_keys_are_known() -> None:
    cursor = QueuedRows(("a", 1))
    ahead = read_ahead(["a", "b"], cursor)
    assert cursor.reads == 0  # queued only
    assert [ahead.lookup(k) for k in "abc"] == [(True, ("a", 1)), (True, None), (False, None)]
    assert cursor.reads == 1


def test_a_key_written_is_forgotten_or_remembered_even_before_the_rows_arrive() -> None:
    ahead = read_ahead(["a", "b", "c"], QueuedRows(("a", 1), ("b", 2)))
    ahead.forget("a")  # written while the statement was still queued
    ahead.remember("c", ("c", 9))
    assert [ahead.lookup(k) for k in "abc"] == [(False, None), (True, ("b", 2)), (True, ("c", 9))]
    ahead.forget("b")
    assert ahead.lookup("b") == (False, None)


def test_a_statement_queued_after_a_write_answers_for_that_key() -> None:
    ahead = read_ahead(["a"], QueuedRows(("a", 1)))
    ahead.forget("a")
    ahead.queue(["a"], cast(psycopg.Cursor[tuple[str, int]], QueuedRows(("a", 2))))
    assert ahead.lookup("a") == (True, ("a", 2))


def event(topic: str, payload: dict[str, Any]) -> Envelope:
    return Envelope.first(topic, "key", payload)


def test_the_processor_preloads_the_new_events_of_each_batch() -> None:
    uow = InMemoryUnitOfWork()
    seen: list[Envelope] = []
    processor = EventProcessor("c", {"t": lambda e, _: seen.append(e)}, lambda: uow)
    first, second = event("t", {}), event("t", {})
    processor.process([first, first])
    processor.process([first, second])  # a redelivery: the retry asks the inbox first
    assert uow.preloaded == [[first], [second]]  # each once; the double claims at once
    assert seen == [first, second]


def test_order_ids_are_the_distinct_uuids_named() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    named: list[dict[str, Any]] = [
        {"orderId": str(a)}, {"orderId": "not-a-uuid"}, {"orderId": 7}, {},
        {"orderId": str(b)}, {"orderId": str(a).upper()}]
    assert ids.order_ids(event("t", p) for p in named) == [a, b]


def test_payment_locks_the_accounts_and_reads_the_payments_its_handlers_use() -> None:
    uow = PostgresPaymentUnitOfWork(cast(Any, None))
    accounts, payments = FakeAccounts(), FakePayments()
    uow.accounts, uow.payments = accounts, payments
    order = uuid.uuid4()
    uow.preload([event(topics.ORDER_CREATED, {"orderId": str(order), "userId": "u2"}),
                 event(topics.ORDER_CANCELLED, {"orderId": "bad", "userId": "u1"}),
                 event(topics.INVENTORY_FAILED, {"orderId": str(order), "userId": 3})])
    assert (accounts.preloaded, payments.preloaded) == (["u1", "u2"], [order])


def test_inventory_locks_the_skus_and_reads_the_reservations_its_handlers_use() -> None:
    uow = PostgresInventoryUnitOfWork(cast(Any, None))
    stock, reservations = FakeStock(), FakeReservations()
    uow.stock, uow.reservations = stock, reservations
    order = uuid.uuid4()
    items = [{"sku": "B", "quantity": 1}, {"sku": "A", "quantity": 2}, {"sku": 5}, "junk"]
    uow.preload([event(topics.PAYMENT_CHARGED, {"orderId": str(order), "items": items}),
                 event(topics.ORDER_CANCELLED, {"orderId": str(order), "items": "junk"})])
    assert (sorted(stock.preloaded), reservations.preloaded) == (["A", "B"], [order])

"""Inventory's storage on PostgreSQL: the `Stock` and `Reservations` of repository.py, and
the unit of work that holds them (reading a batch's rows ahead, see `preload`)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection, Mapping, Sequence

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.read_ahead import ReadAhead
from sagaline.core.postgres.unit_of_work import PostgresUnitOfWork
from sagaline.seed_saga import ids
from sagaline.seed_saga.inventory.repository import Reservation, Reservations, Stock, StockLevel
from sagaline.seed_saga.inventory.status import ReservationStatus

_LOCK_STOCK = ("SELECT sku, initial, on_hand FROM stock WHERE sku = ANY(%s)"
               " ORDER BY sku FOR UPDATE")


class SqlStock:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn
        # Locked when read: what it holds is current until the commit (see ReadAhead).
        self._locked: ReadAhead[str, StockLevel] = ReadAhead(lambda level: level.sku)

    def preload(self, skus: Collection[str]) -> None:
        if skus:  # queued, not awaited: answered at the first lookup of the batch
            self._locked.queue(skus, self._select_locked(skus))

    def lock(self, skus: list[str]) -> dict[str, int]:
        known = [self._locked.lookup(sku) for sku in skus]
        if all(found for found, _ in known):
            levels = [level for _, level in known if level is not None]
        else:
            levels = self._select_locked(skus).fetchall()
        return {level.sku: level.on_hand for level in sorted(levels, key=lambda x: x.sku)}

    def _select_locked(self, skus: Collection[str]) -> psycopg.Cursor[StockLevel]:
        cursor = self._conn.cursor(row_factory=class_row(StockLevel))
        return cursor.execute(_LOCK_STOCK, (sorted(skus),))

    def take(self, quantities: Mapping[str, int]) -> None:
        self._add({sku: -qty for sku, qty in quantities.items()})  # the CHECK keeps on_hand >= 0

    def give_back(self, quantities: Mapping[str, int]) -> None:
        self._add(quantities)

    def _add(self, deltas: Mapping[str, int]) -> None:
        for sku, delta in deltas.items():  # what a row locked ahead now holds
            _, level = self._locked.lookup(sku)
            if level is not None:
                self._locked.remember(sku, dataclasses.replace(
                    level, on_hand=level.on_hand + delta))
        skus = sorted(deltas)  # one lock order for everyone
        self._conn.execute(
            "UPDATE stock SET on_hand = on_hand + w.qty, updated_at = clock_timestamp()"
            " FROM unnest(%s::text[], %s::int[]) AS w(sku, qty) WHERE stock.sku = w.sku",
            (skus, [deltas[sku] for sku in skus]))

    def get(self, sku: str) -> StockLevel | None:
        with self._conn.cursor(row_factory=class_row(StockLevel)) as cur:
            return cur.execute("SELECT sku, initial, on_hand FROM stock WHERE sku = %s",
                               (sku,)).fetchone()

    def seed(self, levels: Mapping[str, int]) -> None:
        for sku in levels:
            self._locked.forget(sku)
        self._conn.cursor().executemany(
            "INSERT INTO stock (sku, initial, on_hand) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING", [(sku, n, n) for sku, n in levels.items()])

    def restock(self, sku: str, quantity: int) -> StockLevel:
        self._locked.forget(sku)
        with self._conn.cursor(row_factory=class_row(StockLevel)) as cur:
            row = cur.execute(
                "INSERT INTO stock (sku, initial, on_hand) VALUES (%s, %s, %s)"
                " ON CONFLICT (sku) DO UPDATE SET initial = stock.initial + excluded.initial,"
                " on_hand = stock.on_hand + excluded.on_hand, updated_at = clock_timestamp()"
                " RETURNING sku, initial, on_hand", (sku, quantity, quantity)).fetchone()
        assert row is not None
        return row


# The column is text (the seed's); ids are UUIDs in and out, in canonical form.
_SELECT_RESERVATIONS = (
    "SELECT order_id::uuid AS order_id, status, items, reason, created_at, released_at,"
    " on_hand_after_reserve, on_hand_after_release FROM reservations WHERE order_id"
)
# The on-hand of some SKUs as {sku: units} (NULL for none), read inside the statement that
# records a reservation or its release: those rows are this transaction's, locked.
_ON_HAND = "(SELECT jsonb_object_agg(s.sku, s.on_hand) FROM stock s WHERE s.sku {})"
_SELECT_RESERVATION = _SELECT_RESERVATIONS + " = %s"


class SqlReservations:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn
        self._ahead: ReadAhead[uuid.UUID, Reservation] = ReadAhead(lambda r: r.order_id)

    def preload(self, order_ids: Collection[uuid.UUID]) -> None:
        if order_ids:  # queued, not awaited: answered at the first `get`
            cursor = self._conn.cursor(row_factory=class_row(Reservation))
            cursor.execute(_SELECT_RESERVATIONS + " = ANY(%s)", ([str(i) for i in order_ids],))
            self._ahead.queue(order_ids, cursor)

    def add(self, reservation: Reservation) -> None:
        self._ahead.forget(reservation.order_id)
        reserved = reservation.status == ReservationStatus.RESERVED
        skus = sorted({str(i["sku"]) for i in reservation.items}) if reserved else []
        self._conn.execute(
            "INSERT INTO reservations (order_id, status, items, reason, on_hand_after_reserve)"
            " VALUES (%s, %s, %s, %s, " + _ON_HAND.format("= ANY(%s::text[])") + ")",
            (str(reservation.order_id), reservation.status, Jsonb(reservation.items),
             reservation.reason, skus))

    def get(self, order_id: uuid.UUID, for_update: bool = False) -> Reservation | None:
        if not for_update:
            known, reservation = self._ahead.lookup(order_id)
            if known:
                return reservation
        query = _SELECT_RESERVATION + " FOR UPDATE" if for_update else _SELECT_RESERVATION
        with self._conn.cursor(row_factory=class_row(Reservation)) as cur:
            return cur.execute(query, (str(order_id),)).fetchone()

    def mark_released(self, order_id: uuid.UUID) -> None:
        self._ahead.forget(order_id)
        self._conn.execute(
            "UPDATE reservations SET status = 'RELEASED', released_at = clock_timestamp(),"
            " on_hand_after_release = " + _ON_HAND.format(
                "= ANY(ARRAY(SELECT i->>'sku' FROM jsonb_array_elements(reservations.items) i))")
            + " WHERE order_id = %s", (str(order_id),))


class PostgresInventoryUnitOfWork(PostgresUnitOfWork):
    stock: Stock
    reservations: Reservations

    def bind(self, conn: psycopg.Connection) -> None:
        self.stock = SqlStock(conn)
        self.reservations = SqlReservations(conn)

    def preload(self, events: Sequence[Envelope]) -> None:
        # Every handler looks its order's reservation up; a reservation locks its SKUs.
        self.stock.preload(_skus(events))
        self.reservations.preload(ids.order_ids(events))


def _skus(events: Sequence[Envelope]) -> set[str]:
    items = [item for e in events if isinstance(lines := e.payload.get("items"), list)
             for item in lines if isinstance(item, Mapping)]
    return {sku for item in items if isinstance(sku := item.get("sku"), str)}

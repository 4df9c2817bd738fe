"""Shipping's storage: one shipment per order (the core's one-record-per-saga repository)
and the carrier's capacity booked per day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

import psycopg
from psycopg_pool import ConnectionPool

from sagaline.core.postgres.records import Records, SqlRecords
from sagaline.core.postgres.unit_of_work import PostgresUnitOfWork, UnitOfWork

SCHEDULED, FAILED, CANCELLED, VOIDED = "SCHEDULED", "FAILED", "CANCELLED", "VOIDED"


class Capacity(Protocol):
    def book(self, day: dt.date, limit: int) -> bool:
        """Take one parcel of `day`'s capacity; False (nothing taken) when `limit` is full."""

    def give_back(self, day: dt.date) -> None: ...


class ShippingUnitOfWork(UnitOfWork, Protocol):
    @property
    def shipments(self) -> Records: ...

    @property
    def capacity(self) -> Capacity: ...


class SqlCapacity:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def book(self, day: dt.date, limit: int) -> bool:
        # One statement: a day's first parcel inserts its row, a full day updates nothing.
        row = self._conn.execute(
            "INSERT INTO capacity (day, booked) SELECT %s, 1 WHERE %s > 0"
            " ON CONFLICT (day) DO UPDATE SET booked = capacity.booked + 1"
            " WHERE capacity.booked < %s RETURNING booked", (day, limit, limit)).fetchone()
        return row is not None

    def give_back(self, day: dt.date) -> None:
        self._conn.execute("UPDATE capacity SET booked = booked - 1 WHERE day = %s", (day,))


class PostgresShippingUnitOfWork(PostgresUnitOfWork):
    shipments: SqlRecords
    capacity: SqlCapacity

    def __init__(self, pool: ConnectionPool, on_commit: Callable[[], None] = lambda: None
                 ) -> None:
        super().__init__(pool, on_commit)

    def bind(self, conn: psycopg.Connection) -> None:
        self.shipments = SqlRecords(conn, "shipments")
        self.capacity = SqlCapacity(conn)

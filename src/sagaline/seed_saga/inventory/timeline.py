"""The inventory step's rows in the dashboard's timeline: its `reservations` row of the saga
(reserved, failed, released or voided) with its own timestamps, for what the outbox no
longer holds; its release drawn as a compensation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from sagaline.dashboard.step import Seen, Step, epoch, one_row, record_rows
from sagaline.seed_saga import topics


class InventoryTimeline:
    kinds: Mapping[str, str] = {topics.INVENTORY_RELEASED: "compensation"}

    def read(self, conn: psycopg.Connection, saga_id: str) -> dict[str, Any] | None:
        return one_row(conn, f"SELECT status, reason, {epoch('created_at')},"
                             f" {epoch('released_at')} FROM reservations WHERE order_id = %s",
                       saga_id)

    def rows(self, record: Mapping[str, Any], seen: Seen) -> list[Step]:
        return record_rows(record, seen, undone_at="released_at",
                           undo_topic=topics.INVENTORY_RELEASED)


TIMELINE = InventoryTimeline()

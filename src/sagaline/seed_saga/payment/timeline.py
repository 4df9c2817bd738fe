"""The payment step's rows in the dashboard's timeline: its `payments` row of the saga
(charged, failed, refunded or voided) with its own timestamps, for what the outbox no longer
holds; its refund drawn as a compensation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from sagaline.dashboard.step import Seen, Step, epoch, one_row, record_rows
from sagaline.seed_saga import topics


class PaymentTimeline:
    kinds: Mapping[str, str] = {topics.PAYMENT_REFUNDED: "compensation"}

    def read(self, conn: psycopg.Connection, saga_id: str) -> dict[str, Any] | None:
        return one_row(conn, f"SELECT status, reason, {epoch('created_at')},"
                             f" {epoch('refunded_at')} FROM payments WHERE order_id = %s",
                       saga_id)

    def rows(self, record: Mapping[str, Any], seen: Seen) -> list[Step]:
        return record_rows(record, seen, undone_at="refunded_at",
                           undo_topic=topics.PAYMENT_REFUNDED)


TIMELINE = PaymentTimeline()

"""Shipping's rows in the dashboard's timeline: its shipment of the saga, from its own row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from sagaline.dashboard.step import Seen, Step, epoch, one_row


class ShippingTimeline:
    kinds: Mapping[str, str] = {}

    def read(self, conn: psycopg.Connection, saga_id: str) -> dict[str, Any] | None:
        return one_row(conn, f"SELECT status, reason, {epoch('created_at')},"
                             f" {epoch('updated_at')} FROM shipments WHERE saga_id = %s::uuid",
                       saga_id)

    def rows(self, record: Mapping[str, Any], seen: Seen) -> list[Step]:
        label = f"{seen.service} {str(record['status']).lower()} (from its row)"
        steps = [] if seen.in_outbox else [Step(record["created_at"], seen.service, "record",
                                                label)]
        if record["status"] == "CANCELLED":  # the deadline's compensation
            steps.append(Step(record["updated_at"], seen.service, "compensation", label))
        return steps


TIMELINE = ShippingTimeline()

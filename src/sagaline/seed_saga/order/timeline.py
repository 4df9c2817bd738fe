"""The order step's rows in the dashboard's timeline: the saga placed and final, from its
`orders` row; a cancellation by the deadline (its own `order.cancelled`, reason TIMEOUT)
drawn as the deadline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from sagaline.dashboard.step import Seen, Step, epoch, one_row
from sagaline.seed_saga import topics
from sagaline.seed_saga.order.handlers import DEADLINE_REASON


class OrderTimeline:
    kinds: Mapping[str, str] = {topics.ORDER_CANCELLED: "deadline"}

    def read(self, conn: psycopg.Connection, saga_id: str) -> dict[str, Any] | None:
        return one_row(conn, f"SELECT status, reason, {epoch('created_at')},"
                             f" {epoch('finished_at')} FROM orders WHERE order_id = %s::uuid",
                       saga_id)

    def rows(self, record: Mapping[str, Any], seen: Seen) -> list[Step]:
        steps = [Step(record["created_at"], seen.service, "placed", "order placed")]
        if record["finished_at"] is not None:
            reason = record["reason"]
            kind = "deadline" if reason == DEADLINE_REASON else "final"
            label = f"order {record['status']}" + (f" ({reason})" if reason else "")
            steps.append(Step(record["finished_at"], seen.service, kind, label))
        return steps


TIMELINE = OrderTimeline()

"""The order step's rows in the dashboard's timeline: the saga placed and final, from its
`orders` row; a cancellation by the deadline (its own `order.cancelled`, reason TIMEOUT)
drawn as the deadline; and its status moves, each on the row of the event that made it
(the saga's status table, applied to the events drawn in its lane)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import psycopg

from sagaline.core.status_machine import StatusMachine
from sagaline.dashboard.step import Change, Seen, Step, epoch, one_row
from sagaline.seed_saga import topics
from sagaline.seed_saga.order.handlers import DEADLINE_REASON


class OrderTimeline:
    kinds: Mapping[str, str] = {topics.ORDER_CANCELLED: "deadline"}

    def __init__(self, statuses: StatusMachine) -> None:
        self.statuses = statuses

    def read(self, conn: psycopg.Connection, saga_id: str) -> dict[str, Any] | None:
        return one_row(conn, f"SELECT status, reason, {epoch('created_at')},"
                             f" {epoch('finished_at')} FROM orders WHERE order_id = %s::uuid",
                       saga_id)

    def changes(self, record: Mapping[str, Any], seen: Seen) -> list[Change]:
        """Each move the drawn events made, as its `advance` makes them; when they no longer
        tell all (their outbox rows purged), one last move to its row's status (no topic:
        on its last row)."""
        moves, status = [], self.statuses.initial
        for topic in seen.drawn:
            to = self._moved(status, topic)
            if to is not None and to != status:
                moves.append(Change("status", status, to, topic))
                status = to
        if status != record["status"]:
            moves.append(Change("status", status, record["status"]))
        return moves

    def _moved(self, status: str, topic: str) -> str | None:
        if topic == topics.ORDER_CANCELLED:  # its own cancel: the deadline's, an operator's
            return self.statuses.cancelled if status not in self.statuses.final else None
        return self.statuses.next(status, topic)

    def rows(self, record: Mapping[str, Any], seen: Seen) -> list[Step]:
        steps = [Step(record["created_at"], seen.service, "placed", "order placed")]
        if record["finished_at"] is not None:
            reason = record["reason"]
            kind = "deadline" if reason == DEADLINE_REASON else "final"
            label = f"order {record['status']}" + (f" ({reason})" if reason else "")
            steps.append(Step(record["finished_at"], seen.service, kind, label))
        unplaced = tuple(c for c in self.changes(record, seen) if c.topic is None)
        steps[-1] = replace(steps[-1], changes=unplaced)
        return steps

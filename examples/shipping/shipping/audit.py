"""What shipping adds to the auditor: a confirmed order has a SCHEDULED shipment; a
cancelled one, once settled, has none scheduled; per day, the parcels booked with the
carrier are the SCHEDULED shipments of that day."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from sagaline.audit.findings import Finding
from sagaline.audit.records import RecordsAudit
from sagaline.audit.step import Names
from shipping.repository import CANCELLED, FAILED, SCHEDULED, VOIDED


class ShippingAudit(RecordsAudit):
    def books(self, conn: psycopg.Connection) -> Sequence[Any]:
        return conn.execute(
            "SELECT coalesce(c.day, s.day), coalesce(c.booked, 0), coalesce(s.n, 0)"
            " FROM capacity c FULL JOIN (SELECT (data->>'day')::date AS day, count(*) AS n"
            " FROM shipments WHERE status = %s GROUP BY 1) s USING (day)",
            (SCHEDULED,)).fetchall()

    def book_problems(self, books: Sequence[Any]) -> list[Finding]:
        return [Finding("capacity-not-conserved", f"day {day}",
                        f"booked {booked} != scheduled shipments {scheduled}",
                        {"day": str(day), "booked": booked, "scheduled": scheduled})
                for day, booked, scheduled in books if booked != scheduled]


AUDIT = ShippingAudit("shipments", Names(record="shipment", records="shipments",
                                         books="days"),
                      succeeded={SCHEDULED}, undone={FAILED, CANCELLED, VOIDED})

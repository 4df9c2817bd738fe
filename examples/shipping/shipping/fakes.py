"""Shipping's fake unit of work (its `Service.fake`), for unit tests with sagaline.testing,
and what breaks shipping's part of the saga's invariants, read from it (`problems`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Collection

from sagaline.testing.records import FakeRecords
from sagaline.testing.unit_of_work import InMemoryUnitOfWork
from shipping.repository import SCHEDULED


class FakeCapacity:
    def __init__(self) -> None:
        self.booked: Counter[dt.date] = Counter()

    def book(self, day: dt.date, limit: int) -> bool:
        if self.booked[day] >= limit:
            return False
        self.booked[day] += 1
        return True

    def give_back(self, day: dt.date) -> None:
        self.booked[day] -= 1


class FakeShippingUnitOfWork(InMemoryUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.shipments = self.keep(FakeRecords())
        self.capacity = self.keep(FakeCapacity())


def problems(uow: FakeShippingUnitOfWork, confirmed: Collection[uuid.UUID],
             cancelled: Collection[uuid.UUID]) -> list[str]:
    """A confirmed order's parcel is scheduled, a cancelled one's is not, and the parcels
    booked each day are the scheduled shipments of that day."""
    rows = uow.shipments.rows
    found = [f"confirmed order {o}: shipment {rows.get(o)}" for o in confirmed
             if o not in rows or rows[o].status != SCHEDULED]
    found += [f"cancelled order {o}: shipment {rows[o].status}" for o in cancelled
              if o in rows and rows[o].status == SCHEDULED]
    scheduled = Counter(dt.date.fromisoformat(r.data["day"]) for r in rows.values()
                        if r.status == SCHEDULED)
    found += [f"day {day}: booked {n}, scheduled {scheduled[day]}"
              for day, n in uow.capacity.booked.items() if n != scheduled[day]]
    return found

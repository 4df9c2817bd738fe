"""Shipping's in-memory unit of work, for unit tests (sagaline.testing)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sagaline.testing.records import FakeRecords
from sagaline.testing.unit_of_work import InMemoryUnitOfWork


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
        self.shipments = FakeRecords()
        self.capacity = FakeCapacity()

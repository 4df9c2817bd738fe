"""A reservation's statuses, named once: the repository, the handlers and the auditor import
them from here (the values are what the reservations table and `GET /reservations` hold)."""

from __future__ import annotations

from enum import StrEnum


class ReservationStatus(StrEnum):
    RESERVED = "RESERVED"  # the stock was taken
    FAILED = "FAILED"  # refused (out of stock, unknown SKU, injected failure): nothing taken
    RELEASED = "RELEASED"  # reserved, then given back (a compensation)
    VOIDED = "VOIDED"  # the order was cancelled before any reservation: none may happen


# The statuses under which the reservation holds no stock.
NOT_HELD = frozenset({ReservationStatus.FAILED, ReservationStatus.RELEASED,
                      ReservationStatus.VOIDED})

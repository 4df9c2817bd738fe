"""A payment's statuses, named once: the repository, the handlers and the auditor import
them from here (the values are what the payments table and `GET /payments` hold)."""

from __future__ import annotations

from enum import StrEnum


class PaymentStatus(StrEnum):
    CHARGED = "CHARGED"  # the amount was debited
    FAILED = "FAILED"  # refused (insufficient funds, injected failure): nothing debited
    REFUNDED = "REFUNDED"  # charged, then credited back (a compensation)
    VOIDED = "VOIDED"  # the order was cancelled before any charge: none may happen


# The statuses under which the order's money is back with the user (or never left).
NO_NET_CHARGE = frozenset({PaymentStatus.FAILED, PaymentStatus.REFUNDED, PaymentStatus.VOIDED})

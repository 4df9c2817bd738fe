"""The audit of a step on the core's one-record-per-saga `Records`: a successful saga's
record must have a success status, a cancelled one's (settled) an undone status or none."""

from __future__ import annotations

import pytest

from sagaline.audit.records import RecordRow, RecordsAudit
from sagaline.audit.step import Names

pytestmark = pytest.mark.unit
AUDIT = RecordsAudit("bookings", Names("booking", "bookings", "rooms"),
                     succeeded={"BOOKED"}, undone={"FAILED", "CANCELLED"})
SAGA = None  # the owner's record is not read by these rules


def row(status: str, reason: str | None = None) -> RecordRow:
    return RecordRow("s-1", status, reason)


def test_a_successful_saga_needs_its_record_in_a_success_status() -> None:
    assert AUDIT.when_succeeded(SAGA, row("BOOKED")) == []  # type: ignore[arg-type]
    missing, = AUDIT.when_succeeded(SAGA, None)  # type: ignore[arg-type]
    assert (missing.kind, missing.message) == ("not-booking", "booking absent")
    failed, = AUDIT.when_succeeded(SAGA, row("FAILED", "FULL"))  # type: ignore[arg-type]
    assert failed.message == "booking FAILED (FULL)" and failed.data == {"booking": "FAILED"}


def test_a_cancelled_saga_may_keep_only_an_undone_record() -> None:
    for fine in (None, row("FAILED"), row("CANCELLED")):
        assert AUDIT.when_cancelled(SAGA, fine) == []  # type: ignore[arg-type]
    left, = AUDIT.when_cancelled(SAGA, row("BOOKED"))  # type: ignore[arg-type]
    assert left.kind == "but-booking" and "compensation not done" in left.message

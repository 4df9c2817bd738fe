"""Compensations the consumer gave up waiting for: parked as dead letters, and reported.

A compensation undoes a step the saga already took, so it is retried while it fails (see
retry.Decision.KEEP_TRYING), but not for ever: after a bound, its partition's other sagas
have waited long enough. It is then stored as a dead letter whose error says so
(`CompensationParked`, the last failure in the text), the alert counter
`alerts.COMPENSATIONS_PARKED` goes up, an ERROR line names it, and readiness names it until
its event is handled by this consumer (`sagaline dlq replay` once the cause is fixed) or the
process restarts. The dead letter stays either way, as does the auditor's report of the
saga's books (e.g. cancelled but still charged).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable


class CompensationParked(Exception):
    """A compensation still failing after the consumer's bound: its dead letter's error."""


class Parked:
    """What readiness says about the parked compensations, by event id, until handled.
    Written by the loop's thread, read by readiness: a lock."""

    def __init__(self) -> None:
        self._notes: dict[uuid.UUID, str] = {}
        self._lock = threading.Lock()

    def add(self, event_id: uuid.UUID, note: str) -> None:
        with self._lock:
            self._notes[event_id] = note

    def handled(self, event_ids: Iterable[uuid.UUID]) -> None:
        if not self._notes:  # the common case: no lock taken
            return
        with self._lock:
            for event_id in event_ids:
                self._notes.pop(event_id, None)

    def problems(self) -> list[str]:
        with self._lock:
            return list(self._notes.values())

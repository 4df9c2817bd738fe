"""The consistency auditor: reads each declared service's database and Kafka (read-only) and
verifies the saga's invariants: the owner's (every saga ends) and each step's, declared in
the step's folder (`Service(audit=...)`, see `audit/step.py`). `python -m sagaline check` on
the command line; from Python:

    report = sagaline.audit.run(settings, since=start, wait_s=20)
    assert report.ok, report.text()

`run` audits the chosen saga unless given one, and raises `SourceUnavailable` when a
database or Kafka cannot be reached. A dead-lettered valid event fails it, and so does any
poison message but those named in `expected_poison` (by saga id): a caller that sends poison
says which; `dead_letters_fail=False` makes every dead letter a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sagaline.audit.auditor import audit
from sagaline.audit.evaluate import DEFAULT_GRACE_S, DEFAULT_OUTBOX_AGE_S, AuditOptions
from sagaline.audit.findings import Finding, Report
from sagaline.audit.read_db import SourceUnavailable
from sagaline.core.saga import Saga
from sagaline.settings import SystemSettings

__all__ = [
    "DEFAULT_GRACE_S",
    "DEFAULT_OUTBOX_AGE_S",
    "AuditOptions", "Finding", "Report", "SourceUnavailable",
    "run",
]


def run(settings: SystemSettings, since: datetime | None = None, grace_s: float = DEFAULT_GRACE_S,
        wait_s: float = 0.0, outbox_age_s: float = DEFAULT_OUTBOX_AGE_S,
        dead_letters_fail: bool = True, saga: Saga | None = None,
        expected_poison: Sequence[str] | None = (), streaming: bool = True,
        progress: Callable[[int], None] | None = None) -> Report:
    """Audit once, or re-audit every second for up to `wait_s` until everything holds and
    no saga is in flight. `report.ok` is True only when no invariant is broken and no saga
    is stuck (sagas in flight, younger than `grace_s`, do not count against it).
    `streaming=False` reads each database whole (see AuditOptions)."""
    options = AuditOptions(since=since, grace_s=grace_s, outbox_age_s=outbox_age_s,
                           dead_letters_fail=dead_letters_fail, expected_poison=expected_poison,
                           streaming=streaming, progress=progress)
    return audit(settings, options, wait_s, saga)

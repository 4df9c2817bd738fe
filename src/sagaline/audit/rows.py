"""The plain data the checks read: rows as the readers load them, no connections, no clocks.

Ages are seconds measured by the source's own clock (the database's `now()`), so a skewed
host clock cannot make a saga look older or younger than it is. Each step's own rows (its
records and books) are its audit's types, declared in its folder (`audit/step.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sagaline.audit.order_checks import OrderVerdict


@dataclass(frozen=True)
class OutboxState:
    service: str
    stale: int  # unpublished, not failed, older than the outbox age limit
    oldest_pending_age_s: float | None
    failed: int
    failed_samples: tuple[str, ...] = ()  # "id topic: error" of the newest few


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int | None  # None: the group never committed here (it starts at `earliest`)
    earliest: int
    end: int  # high watermark

    @property
    def lag(self) -> int:
        start = self.committed if self.committed is not None else self.earliest
        return max(0, self.end - start)


@dataclass(frozen=True)
class DeadLetter:
    """One dead letter as the auditor judged it (`audit.dead_letters.judge`). `poison` says
    why it is no valid event of its source topic; None: it is one, lost work unless
    `handled` (its consumer handled the event since: a replay). `key`: its saga, or ""."""

    topic: str
    ref: str  # partition:offset
    source_topic: str
    key: str
    error: str  # the error type and the start of its text
    poison: str | None = None
    event_id: str | None = None
    handled: bool = False


@dataclass(frozen=True)
class KafkaEvent:
    """One message of a saga topic as the broker holds it. `occurred_at` is the ISO text of
    the event's header (its causal time: a caused event occurs after its cause)."""

    topic: str
    partition: int
    offset: int
    key: str
    event_id: str
    occurred_at: str


@dataclass
class StepRows:
    """What one step's audit read: its records (`StepRecord`s) and its books."""

    records: list[Any] = field(default_factory=list)
    books: list[Any] = field(default_factory=list)


@dataclass
class Snapshot:
    """Everything one audit looked at. `sagas` are the owner's records in scope (started at
    or after `--since`); `steps` (by service name) hold the records each step's audit read,
    which may include records of other sagas, and `known_saga_ids` holds every id among the
    ones they name that the owner has a record of."""

    sagas: list[Any] = field(default_factory=list)  # SagaRecord
    steps: dict[str, StepRows] = field(default_factory=dict)
    known_saga_ids: set[str] = field(default_factory=set)
    outboxes: list[OutboxState] = field(default_factory=list)
    lags: list[PartitionLag] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)  # written since `since`
    # The saga topics' events since `since`, judged as they were read (None: not read).
    ordering: OrderVerdict | None = None
    kafka_events: int = 0

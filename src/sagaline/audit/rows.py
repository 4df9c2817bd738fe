"""The plain data the checks read: rows as the readers load them, no connections, no clocks.

Ages are seconds measured by the source's own clock (the database's `now()`), so a skewed
host clock cannot make an order look older or younger than it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Items = list[dict[str, Any]]  # [{"sku": ..., "quantity": ...}]


@dataclass(frozen=True)
class OrderRow:
    order_id: str
    user_id: str
    total_amount: Decimal
    status: str
    items: Items
    age_s: float  # since created_at
    finished_age_s: float | None = None  # since finished_at, None while not final


@dataclass(frozen=True)
class PaymentRow:
    order_id: str
    user_id: str
    amount: Decimal
    status: str


@dataclass(frozen=True)
class ReservationRow:
    order_id: str
    status: str
    items: Items


@dataclass(frozen=True)
class AccountBook:
    """One account, and the sum of its payments that are CHARGED (refunded ones excluded)."""

    user_id: str
    balance: Decimal | None  # None: CHARGED payments name a user without an account
    initial_credit: Decimal | None
    charged: Decimal


@dataclass(frozen=True)
class StockBook:
    """One SKU, and the units RESERVED reservations hold of it."""

    sku: str
    initial: int | None  # None: a RESERVED reservation holds a SKU that is not stocked
    on_hand: int | None
    held: int


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
class DeadLetters:
    topic: str
    count: int


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
class Snapshot:
    """Everything one audit looked at. `orders` are those in scope (created at or after
    `--since`); `payments` / `reservations` may include rows of other orders, and
    `known_order_ids` holds every order id found in order_db among the ones they name."""

    orders: list[OrderRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    reservations: list[ReservationRow] = field(default_factory=list)
    known_order_ids: set[str] = field(default_factory=set)
    accounts: list[AccountBook] = field(default_factory=list)
    stock: list[StockBook] = field(default_factory=list)
    outboxes: list[OutboxState] = field(default_factory=list)
    lags: list[PartitionLag] = field(default_factory=list)
    dead_letters: list[DeadLetters] = field(default_factory=list)
    events: list[KafkaEvent] = field(default_factory=list)  # the saga topics, since `since`

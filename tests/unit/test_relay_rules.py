"""The relay's rules without a database: which acknowledged rows may be marked, and that it
reads whatever is pending each time (no id cursor), over an in-memory outbox table."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest

from sagaline.core.messaging.publisher import Delivery, OutgoingMessage
from sagaline.core.outbox import store as outbox
from sagaline.core.outbox.relay import OutboxRelay, PartialDelivery, in_order_prefix
from sagaline.core.outbox.store import OutboxRow
from sagaline.core.postgres import db
from sagaline.core.runtime.workers import Workers
from tests.doubles import InMemoryPublisher, NoTransaction

pytestmark = pytest.mark.unit


def msg(ref: int, key: str | None) -> OutgoingMessage:
    return OutgoingMessage(ref, "t", key, b"v", {})


def test_rows_after_a_keys_unacknowledged_row_are_not_marked() -> None:
    batch = [msg(1, "a"), msg(2, "b"), msg(3, "a"), msg(4, "b"), msg(5, "a")]
    deliveries = [Delivery(1), Delivery(2, "timed out"), Delivery(3), Delivery(4), Delivery(5)]
    assert in_order_prefix(batch, deliveries) == [1, 3, 5]  # b waits from its first gap on


def test_a_row_refused_for_good_does_not_block_its_key() -> None:
    batch = [msg(1, "a"), msg(2, "a"), msg(3, "a")]
    deliveries = [Delivery(1), Delivery(2, "too large", permanent=True), Delivery(3)]
    assert in_order_prefix(batch, deliveries) == [1, 3]


def test_keyless_rows_share_one_order() -> None:
    batch = [msg(1, None), msg(2, None), msg(3, "a")]
    assert in_order_prefix(batch, [Delivery(1, "x"), Delivery(2), Delivery(3)]) == [3]


class OutboxTable:
    """Rows visible to the relay (committed), by id; what the relay marked."""

    def __init__(self) -> None:
        self.rows: dict[int, OutboxRow] = {}
        self.published: set[int] = set()
        self.failed: set[int] = set()

    def commit(self, *ids: int) -> None:
        for row_id in ids:
            self.rows[row_id] = OutboxRow(row_id, "t", f"k{row_id}", b"v", {})

    def pending(self, _conn: Any, limit: int) -> list[OutboxRow]:
        ids = sorted(set(self.rows) - self.published - self.failed)
        return [self.rows[i] for i in ids[:limit]]

    def mark_published(self, _conn: Any, ids: Sequence[int]) -> None:
        self.published |= set(ids)

    def mark_failed(self, _conn: Any, failures: Sequence[tuple[int, str]]) -> None:
        self.failed |= {row_id for row_id, _ in failures}


class Connection:
    closed = False

    def execute(self, *_args: Any) -> None: ...

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> OutboxTable:
    fake = OutboxTable()
    for name in ("pending", "mark_published", "mark_failed"):
        monkeypatch.setattr(outbox, name, getattr(fake, name))
    monkeypatch.setattr(db, "PipelinedTransaction", NoTransaction)
    return fake


def sent_refs(publisher: InMemoryPublisher) -> list[int]:
    return [m.ref for m in publisher.sent]


def test_a_row_committed_late_with_a_lower_id_is_still_published(table: OutboxTable) -> None:
    publisher = InMemoryPublisher()
    relay = OutboxRelay(Connection, publisher)  # type: ignore[arg-type]
    table.commit(1, 3)  # id 2 was taken by a transaction still open
    assert relay.publish_batch() == 2
    table.commit(2)  # it commits now, after 3 was published: a cursor past 3 would skip it
    assert relay.publish_batch() == 1
    assert sent_refs(publisher) == [1, 3, 2] and table.published == {1, 2, 3}


def test_unacknowledged_rows_stay_pending_and_go_out_again(table: OutboxTable) -> None:
    publisher = InMemoryPublisher()
    relay = OutboxRelay(Connection, publisher)  # type: ignore[arg-type]
    table.commit(1, 2)
    publisher.unavailable = True
    with pytest.raises(PartialDelivery):
        relay.publish_batch()
    assert table.published == set()
    publisher.unavailable = False
    publisher.refuse = {2}
    assert relay.publish_batch() == 2
    assert (table.published, table.failed, relay.failed_rows) == ({1}, {2}, 1)
    assert relay.publish_batch() == 0  # a refused row is not retried


def test_stopping_ends_an_idle_relays_wait_at_once(table: OutboxTable) -> None:
    # The relay idles on a wait of its own (up to its poll interval, 2 s by default): the
    # service's stop interrupts it, so a stop is not held up by the poll interval.
    relay = OutboxRelay(Connection, InMemoryPublisher(), poll_interval_s=60)  # type: ignore[arg-type]
    workers = Workers({"relay": relay})
    workers.start()
    time.sleep(0.2)  # idle by now: nothing pending
    started = time.monotonic()
    workers.stop(timeout_s=10)
    assert time.monotonic() - started < 1.0

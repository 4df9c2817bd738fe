"""The relay's rules without a database: which acknowledged rows may be marked, that it
reads whatever is pending each time (no id cursor), that an unsettled batch marks nothing, and
that a lock held elsewhere shows in its readiness; over the in-memory outbox (the relay's
store port, sagaline.testing.outbox)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest

from sagaline.core.messaging.publisher import Delivery, OutgoingMessage
from sagaline.core.outbox.port import OutboxLocked, OutboxRow
from sagaline.core.outbox.relay import OutboxRelay, PartialDelivery, in_order_prefix
from sagaline.core.runtime.workers import Workers
from sagaline.testing.messaging import InMemoryPublisher
from sagaline.testing.outbox import InMemoryOutbox

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


def table(*ids: int) -> InMemoryOutbox:
    """An outbox whose committed rows are these ids (the relay sees only committed rows)."""
    store = InMemoryOutbox()
    commit(store, *ids)
    return store


def commit(store: InMemoryOutbox, *ids: int) -> None:
    for row_id in ids:
        store.add(OutboxRow(row_id, "t", f"k{row_id}", b"v", {}))


def sent_refs(publisher: InMemoryPublisher) -> list[int]:
    return [m.ref for m in publisher.sent]


def test_a_row_committed_late_with_a_lower_id_is_still_published() -> None:
    publisher, store = InMemoryPublisher(), table(1, 3)  # id 2: a transaction still open
    relay = OutboxRelay(store, publisher)
    assert relay.publish_batch() == 2
    commit(store, 2)  # it commits now, after 3 was published: a cursor past 3 would skip it
    assert relay.publish_batch() == 1
    assert sent_refs(publisher) == [1, 3, 2] and store.published == {1, 2, 3}


def test_unacknowledged_rows_stay_pending_and_go_out_again() -> None:
    publisher, store = InMemoryPublisher(), table(1, 2)
    relay = OutboxRelay(store, publisher)
    publisher.unavailable = True
    with pytest.raises(PartialDelivery):
        relay.publish_batch()
    assert store.published == set()
    publisher.unavailable = False
    publisher.refuse = {2}
    assert relay.publish_batch() == 2
    assert (store.published, set(store.failed), relay.failed_rows) == ({1}, {2}, 1)
    assert store.failed[2] == "refused"
    assert relay.publish_batch() == 0  # a refused row is not retried


class Crashed(BaseException):
    """Where a fault point would have ended the process."""


class CrashingPublisher(InMemoryPublisher):
    def publish(self, batch: Sequence[OutgoingMessage], timeout_s: float) -> list[Delivery]:
        super().publish(batch, timeout_s)  # the broker has them; the marks never happen
        raise Crashed


def test_a_batch_that_ends_unsettled_marks_nothing_and_frees_the_lock() -> None:
    store = table(1, 2)
    with pytest.raises(Crashed):
        OutboxRelay(store, CrashingPublisher()).publish_batch()
    assert store.published == set() and store.claimed == []
    publisher = InMemoryPublisher()
    assert OutboxRelay(store, publisher).publish_batch() == 2  # sent again, at least once
    assert sent_refs(publisher) == [1, 2]


def test_a_lock_held_elsewhere_is_reported_until_the_relay_gets_it() -> None:
    store, publisher = table(1), InMemoryPublisher()
    store.lock_timeout_s = 0.0
    relay = OutboxRelay(store, publisher)
    with store.claim(10):  # another relay's batch, under way
        with pytest.raises(OutboxLocked):
            relay.publish_batch()
        problem = relay.check()
        assert problem is not None and problem.startswith(
            "relay: could not take the outbox lock within 0 ms")
    assert relay.publish_batch() == 1 and relay.check() is None


def test_stopping_ends_an_idle_relays_wait_at_once() -> None:
    # The relay idles on a wait of its own (up to its poll interval, 2 s by default): the
    # service's stop interrupts it, so a stop is not held up by the poll interval.
    relay = OutboxRelay(InMemoryOutbox(), InMemoryPublisher(), poll_interval_s=60)
    workers = Workers({"relay": relay})
    workers.start()
    time.sleep(0.2)  # idle by now: nothing pending
    started = time.monotonic()
    workers.stop(timeout_s=10)
    assert time.monotonic() - started < 1.0

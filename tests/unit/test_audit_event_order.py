"""The auditor's per-saga order check on Kafka: pure, on events as the reader loads them."""

from __future__ import annotations

import pytest

from sagaline.audit.order_checks import check_event_order
from sagaline.audit.rows import KafkaEvent

pytestmark = pytest.mark.unit

T0 = "2025-01-01T00:00:00+00:00"
T1 = "2025-01-01T00:00:01+00:00"


def event(offset: int, event_id: str, occurred_at: str, key: str = "o-1",
          partition: int = 0, topic: str = "payment.charged") -> KafkaEvent:
    return KafkaEvent(topic, partition, offset, key, event_id, occurred_at)


def test_events_in_causal_order_and_copies_of_one_event_pass() -> None:
    verdict = check_event_order([event(0, "a", T0), event(1, "b", T1), event(2, "a", T0),
                                 event(5, "c", T0, key="o-2")])
    assert verdict.violations == []
    assert verdict.copies == 1


def test_an_event_after_one_it_occurred_before_is_reported() -> None:
    verdict = check_event_order([event(3, "b", T1), event(4, "a", T0)])
    [finding] = verdict.violations
    assert finding.kind == "events-out-of-order"
    assert finding.subject == "key o-1"
    assert finding.data["offset"] == 4


def test_order_is_judged_by_partition_offset_not_by_read_order() -> None:
    assert check_event_order([event(4, "b", T1), event(3, "a", T0)]).violations == []


def test_one_saga_spread_over_partitions_is_reported() -> None:
    [finding] = check_event_order([event(0, "a", T0), event(0, "b", T1, partition=2)]).violations
    assert finding.kind == "events-split"


def test_topics_are_judged_apart_and_messages_without_key_or_time_are_skipped() -> None:
    events = [event(0, "b", T1, topic="order.created"), event(0, "a", T0),
              event(1, "x", "", key="o-1"), event(2, "y", T0, key="")]
    assert check_event_order(events).violations == []

"""The auditor's per-saga order check on Kafka: pure, on events as the reader loads them.
Which topics are held to it comes from the declaration (`ordered_topics`)."""

from __future__ import annotations

import pytest

from sagaline.audit.order_checks import OrderJudge, OrderVerdict, ordered_topics
from sagaline.audit.rows import KafkaEvent
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit

T0 = "2025-01-01T00:00:00+00:00"
T1 = "2025-01-01T00:00:01+00:00"
TOPICS = ordered_topics(SAGA)
FIRST, SECOND = TOPICS[:2]


def event(offset: int, event_id: str, occurred_at: str, key: str = "o-1",
          partition: int = 0, topic: str = FIRST) -> KafkaEvent:
    return KafkaEvent(topic, partition, offset, key, event_id, occurred_at)


def check_event_order(events: list[KafkaEvent], topics: tuple[str, ...]) -> OrderVerdict:
    """The events fed to a judge a partition at a time, in offset order, as the reader
    gives them."""
    judge = OrderJudge(frozenset(topics))
    for tp in sorted({(e.topic, e.partition) for e in events}):
        judge.partition(sorted((e for e in events if (e.topic, e.partition) == tp),
                               key=lambda e: e.offset))
    return judge.verdict()


def judge(events: list[KafkaEvent]) -> list[str]:
    return [f.kind for f in check_event_order(events, TOPICS).violations]


def test_every_event_topic_of_the_saga_is_held_to_order_and_no_dead_letter_topic_is() -> None:
    assert set(TOPICS) == set(SAGA.topics) - set(SAGA.dead_letter_topics)
    assert TOPICS and not set(TOPICS) & set(SAGA.dead_letter_topics)


def test_events_in_causal_order_and_copies_of_one_event_pass() -> None:
    verdict = check_event_order([event(0, "a", T0), event(1, "b", T1), event(2, "a", T0),
                                 event(5, "c", T0, key="o-2")], TOPICS)
    assert verdict.violations == []
    assert verdict.copies == 1


def test_an_event_after_one_it_occurred_before_is_reported() -> None:
    verdict = check_event_order([event(3, "b", T1), event(4, "a", T0)], TOPICS)
    [finding] = verdict.violations
    assert finding.kind == "events-out-of-order"
    assert finding.subject == "key o-1"
    assert finding.data["offset"] == 4


@pytest.mark.parametrize("topic", TOPICS)
def test_each_of_the_sagas_topics_is_judged(topic: str) -> None:
    assert judge([event(3, "b", T1, topic=topic), event(4, "a", T0, topic=topic)]) == [
        "events-out-of-order"]


@pytest.mark.parametrize("topic", SAGA.dead_letter_topics)
def test_dead_letters_are_not_held_to_order(topic: str) -> None:
    """A dead-letter topic holds events in the order consumers gave up on them."""
    assert judge([event(3, "b", T1, topic=topic), event(4, "a", T0, topic=topic),
                  event(0, "c", T0, topic=topic, partition=1)]) == []


def test_a_topic_the_saga_does_not_declare_is_not_judged() -> None:
    assert judge([event(3, "b", T1, topic="elsewhere"), event(4, "a", T0, topic="elsewhere")]
                 ) == []


def test_order_is_judged_by_partition_offset_not_by_read_order() -> None:
    assert judge([event(4, "b", T1), event(3, "a", T0)]) == []


def test_one_saga_spread_over_partitions_is_reported() -> None:
    assert judge([event(0, "a", T0), event(0, "b", T1, partition=2)]) == ["events-split"]


def test_topics_are_judged_apart_and_messages_without_key_or_time_are_skipped() -> None:
    events = [event(0, "b", T1, topic=SECOND), event(0, "a", T0),
              event(1, "x", "", key="o-1"), event(2, "y", T0, key="")]
    assert judge(events) == []


def test_a_judge_fed_a_partition_at_a_time_finds_a_saga_split_across_two() -> None:
    """The auditor reads a partition at a time and keeps none of its events after: a key's
    home partition per topic is what tells a split."""
    judge = OrderJudge(frozenset(TOPICS))
    judge.partition([event(0, "a", T0, partition=0), event(1, "b", T1, key="o-2",
                                                         partition=0)])
    judge.partition([event(0, "c", T1, partition=1)])
    judge.partition([event(0, "d", T1, key="o-3", topic=SECOND, partition=1)])
    assert [f.kind for f in judge.verdict().violations] == ["events-split"]
    assert judge.events == 4

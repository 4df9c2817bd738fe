"""Per-saga order on Kafka: on each of the saga's event topics, the events of one saga (its
key) sit in one partition, in the order they occurred. Copies of one event (a relay that
sent a row again) are counted, not failed: consumers drop them by event id, and the books
show whether one ever had an effect twice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sagaline.audit.findings import Finding
from sagaline.audit.rows import KafkaEvent
from sagaline.core.saga import Saga


@dataclass(frozen=True)
class OrderVerdict:
    violations: list[Finding]
    copies: int  # messages repeating an event id already seen earlier in its partition


def ordered_topics(saga: Saga) -> tuple[str, ...]:
    """The topics whose events must be in order per saga: every topic the saga declares but
    its dead-letter topics, which hold what consumers gave up on, in the order they gave up."""
    return saga.event_topics


def check_event_order(events: Iterable[KafkaEvent], topics: Iterable[str]) -> OrderVerdict:
    """Judges the events on `topics` (`ordered_topics` of the saga); others are skipped."""
    judged = set(topics)
    by_key: dict[tuple[str, str], list[KafkaEvent]] = {}
    for event in events:
        if event.key and event.topic in judged:  # a message without a key is of no saga
            by_key.setdefault((event.topic, event.key), []).append(event)
    violations: list[Finding] = []
    copies = 0
    for (topic, key), found in sorted(by_key.items()):
        found.sort(key=lambda e: (e.partition, e.offset))
        if len({e.partition for e in found}) > 1:
            violations.append(_split(topic, key, found))
            continue
        firsts = _first_copies(found)
        copies += len(found) - len(firsts)
        if (late := _out_of_order(firsts)) is not None:
            violations.append(_late(topic, key, *late))
    return OrderVerdict(violations, copies)


def _first_copies(found: list[KafkaEvent]) -> list[KafkaEvent]:
    seen: set[str] = set()
    firsts = []
    for event in found:
        if not event.event_id or event.event_id not in seen:
            firsts.append(event)
            seen.add(event.event_id)
    return firsts


def _out_of_order(firsts: list[KafkaEvent]) -> tuple[KafkaEvent, KafkaEvent] | None:
    """The first event that sits after one it occurred before (None: all in order)."""
    latest: tuple[datetime, KafkaEvent] | None = None
    for event in firsts:
        when = _when(event)
        if when is None:
            continue
        if latest is not None and when < latest[0]:
            return latest[1], event
        latest = (when, event) if latest is None or when >= latest[0] else latest
    return None


def _when(event: KafkaEvent) -> datetime | None:
    try:
        return datetime.fromisoformat(event.occurred_at)
    except ValueError:  # no header (a message the seed demo sent): no causal time
        return None


def _split(topic: str, key: str, found: list[KafkaEvent]) -> Finding:
    parts = sorted({e.partition for e in found})
    return Finding("events-split", f"key {key}",
                   f"{topic}: events of one saga in partitions {parts}: their order is lost",
                   {"topic": topic, "partitions": len(parts)})


def _late(topic: str, key: str, before: KafkaEvent, after: KafkaEvent) -> Finding:
    return Finding("events-out-of-order", f"key {key}",
                   f"{topic}[{after.partition}]: event {after.event_id} at offset "
                   f"{after.offset} occurred at {after.occurred_at}, before event "
                   f"{before.event_id} at offset {before.offset} ({before.occurred_at})",
                   {"topic": topic, "partition": after.partition, "offset": after.offset})

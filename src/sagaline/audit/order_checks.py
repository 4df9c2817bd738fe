"""Per-saga order on Kafka: on each of the saga's event topics, the events of one saga (its
key) sit in one partition, in the order they occurred. Copies of one event (a relay that
sent a row again) are counted, not failed: consumers drop them by event id, and the books
show whether one ever had an effect twice.

The events are judged a partition at a time (`OrderJudge`), so memory holds one partition's
events, plus, per topic, which partition each key was seen in (a hash and a number: about
100 bytes a saga per topic, over what Kafka retains), not every event read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
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


@dataclass
class OrderJudge:
    """Judges the events of the `topics` (`ordered_topics`) one partition at a time; others
    are skipped."""

    topics: frozenset[str]
    events: int = 0  # judged
    copies: int = 0
    violations: list[Finding] = field(default_factory=list)
    _home: dict[str, dict[int, int]] = field(default_factory=dict)  # topic: key hash -> partition
    _split: set[tuple[str, str]] = field(default_factory=set)

    def partition(self, events: Iterable[KafkaEvent]) -> None:
        """All the events read of one partition, in offset order."""
        by_key: dict[str, list[KafkaEvent]] = {}
        for event in events:
            if event.key and event.topic in self.topics:  # no key: of no saga
                by_key.setdefault(event.key, []).append(event)
        for key, found in sorted(by_key.items()):
            self.events += len(found)
            self._judge(key, found)

    def verdict(self) -> OrderVerdict:
        return OrderVerdict(self.violations, self.copies)

    def _judge(self, key: str, found: list[KafkaEvent]) -> None:
        topic, partition = found[0].topic, found[0].partition
        home = self._home.setdefault(topic, {}).setdefault(hash(key), partition)
        if home != partition:
            if (topic, key) not in self._split:
                self._split.add((topic, key))
                self.violations.append(_split(topic, key, [home, partition]))
            return
        firsts = _first_copies(found)
        self.copies += len(found) - len(firsts)
        if (late := _out_of_order(firsts)) is not None:
            self.violations.append(_late(topic, key, *late))


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


def _split(topic: str, key: str, partitions: list[int]) -> Finding:
    parts = sorted(set(partitions))
    return Finding("events-split", f"key {key}",
                   f"{topic}: events of one saga in partitions {parts}: their order is lost",
                   {"topic": topic, "partitions": len(parts)})


def _late(topic: str, key: str, before: KafkaEvent, after: KafkaEvent) -> Finding:
    return Finding("events-out-of-order", f"key {key}",
                   f"{topic}[{after.partition}]: event {after.event_id} at offset "
                   f"{after.offset} occurred at {after.occurred_at}, before event "
                   f"{before.event_id} at offset {before.offset} ({before.occurred_at})",
                   {"topic": topic, "partition": after.partition, "offset": after.offset})

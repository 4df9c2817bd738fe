"""Building the real Kafka and Postgres adapters; composition roots call these."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from psycopg_pool import ConnectionPool

from sagaline.core.kafka.publisher import DEFAULT_COMPRESSION, KafkaPublisher, producer_config
from sagaline.core.kafka.source import KafkaSource, consumer_config
from sagaline.core.kafka.stranded import Rescue
from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.core.messaging.deadletter import TopicDeadLetters
from sagaline.core.messaging.envelope import SagaKey
from sagaline.core.messaging.messages import MessageSource
from sagaline.core.messaging.processor import EventProcessor, Handler, Processor
from sagaline.core.messaging.publisher import Publisher
from sagaline.core.messaging.retry import RetryPolicy
from sagaline.core.middleware import faults
from sagaline.core.middleware.faults import FaultPoints
from sagaline.core.observability.metrics import Backlog, ServiceMetrics
from sagaline.core.outbox import store as outbox
from sagaline.core.outbox.port import OutboxStore
from sagaline.core.outbox.relay import OutboxRelay
from sagaline.core.outbox.retention import Housekeeper
from sagaline.core.postgres import db
from sagaline.core.postgres.session_limits import SessionLimits
from sagaline.core.postgres.unit_of_work import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)


@dataclass(frozen=True)
class Plumbing:
    """Where a service's database and broker are, and how hard to drive them."""

    name: str
    dsn: str
    bootstrap_servers: str
    kafka_config: Mapping[str, str] = field(default_factory=dict)
    compression: str = DEFAULT_COMPRESSION  # codec of what the service produces
    relay_batch_size: int = 500
    relay_poll_interval_s: float = 2.0
    outbox_retention_s: float = 3600.0
    inbox_retention_s: float = 7 * 24 * 3600.0
    consumer_batch_size: int = 100
    compensation_park_after_s: float = 300.0  # then a failing compensation is dead-lettered
    instance_id: str | None = None  # this replica's stable id in its consumer group
    relay_wake_on_commit: bool = True  # False: the relay only polls (seed-like baseline)
    relay_one_at_a_time: bool = False  # True: one send and ack per row (seed-like baseline)
    relay_always_wait: bool = False  # True: a poll interval after every batch (seed-like)
    faults: FaultPoints = field(default_factory=FaultPoints)
    limits: SessionLimits = field(default_factory=SessionLimits)  # every database session's
    relay_lock_timeout_s: float = 20.0
    metrics: ServiceMetrics | None = None  # None: METRICS_ENABLED=false, nothing counted
    outbox: OutboxStore | None = None  # None: the outbox table of the database at `dsn`
    pause: Callable[[float], object] | None = None  # a consumer's back-off (None: a real wait)


def kafka_publisher(p: Plumbing) -> KafkaPublisher:
    return KafkaPublisher(producer_config(p.bootstrap_servers, p.kafka_config, p.compression))


def outbox_relay(p: Plumbing, publisher: Publisher) -> OutboxRelay:
    store = p.outbox or outbox.PostgresOutbox(
        lambda: db.connect(p.dsn, f"{p.name}-relay", p.limits), p.relay_lock_timeout_s)
    return OutboxRelay(
        store, faults.around_publish(publisher, p.faults),
        batch_size=p.relay_batch_size, poll_interval_s=p.relay_poll_interval_s,
        one_at_a_time=p.relay_one_at_a_time, always_wait=p.relay_always_wait,
        metrics=p.metrics.relay if p.metrics else None)


def housekeeper(p: Plumbing) -> Housekeeper:
    # Its deletes may run long after a backlog, and lock only rows nobody else touches
    # (published events, old inbox marks): no bound on its statements or transactions.
    limits = replace(p.limits, statement_timeout_s=0, transaction_timeout_s=0)
    return Housekeeper(lambda: db.connect(p.dsn, f"{p.name}-housekeeping", limits),
                       p.outbox_retention_s, p.inbox_retention_s)


def event_processor(p: Plumbing, consumer: str, handlers: Mapping[str, Handler[U]],
                    unit_of_work: Callable[[], U],
                    compensations: Collection[str] = ()) -> EventProcessor[U]:
    return EventProcessor(consumer, handlers, faults.before_commit(unit_of_work, p.faults),
                          compensations)


def consumer_loop(p: Plumbing, processor: Processor, publisher: Publisher,
                  dead_letter_topic: str, source: MessageSource | None = None, *,
                  saga_key: SagaKey, compensations: Collection[str] = ()) -> ConsumerLoop:
    """`saga_key`: the service's way to find the saga of a message without a key;
    `compensations`: the topics whose handlers are retried until they succeed or are
    parked (`Plumbing.compensation_park_after_s`)."""
    reopen = None
    if source is None:  # a fatal client error replaces the Kafka consumer with a new one
        config = consumer_config(p.bootstrap_servers, processor.consumer, p.kafka_config,
                                 p.instance_id)
        if p.metrics is not None:  # the lag per partition, from librdkafka's statistics
            config.update(p.metrics.lag.client_config())
        reopen = _reopening(config, processor.topics)
        source = reopen()
    return ConsumerLoop(source, faults.after_process(processor, p.faults),
                        TopicDeadLetters(publisher, dead_letter_topic), RetryPolicy(),
                        batch_size=p.consumer_batch_size, saga_key=saga_key,
                        compensations=compensations, reopen=reopen, sleep=p.pause,
                        metrics=p.metrics.consumer if p.metrics else None,
                        park_after_s=p.compensation_park_after_s)


def _reopening(config: dict[str, Any], topics: list[str]) -> Callable[[], KafkaSource]:
    """Opens the Kafka consumers of one loop in turn; one replacing a stranded consumer
    starts from the brokers the cluster counts and inherits when its partitions were lost."""
    last: list[KafkaSource] = []

    def reopen() -> KafkaSource:
        before = last.pop() if last else None
        if before is None or before.replacement is None:
            last.append(KafkaSource(config, topics))
        else:  # it gets STRANDED_S to join before the brokers are asked again
            last.append(KafkaSource(before.replacement, topics,
                                    lost_at=before.membership.lost_at(),
                                    rescue=Rescue(config, asked_at=time.monotonic())))
        return last[0]
    return reopen


def outbox_backlog(pool: ConnectionPool) -> Callable[[], Backlog]:
    """Reads the outbox backlog for the metrics, on a pooled connection."""

    def read() -> Backlog:
        with pool.connection(timeout=2.0) as conn:
            return Backlog(*outbox.backlog(conn))

    return read


def broker_check(publisher: Publisher) -> Callable[[], str | None]:
    """Readiness of the broker, for publishers that can tell (the fake always can)."""
    reachable = getattr(publisher, "reachable", None)

    def kafka() -> str | None:
        if reachable is None or reachable():
            return None
        return "kafka: broker not reachable"

    return kafka

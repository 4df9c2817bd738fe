"""For tests of the inbox: a positive signal that a consumer is past a redelivered message,
and a way to make the handler blind to an event it handled, so that only the inbox can stop
a second effect.

The charging handler is idempotent on its own (it finds the order's payment and stops), so a
redelivery of a charged order proves nothing about the inbox. Forgetting the payment row
leaves the inbox as the only record that the event was handled.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from confluent_kafka import TopicPartition
from psycopg import sql

from sagaline.core.kafka.offsets import BrokerOffsets
from sagaline.seed_saga import topics
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import StackSettings
from tests.integration.saga.conftest import wait_for

# The service that charges for an order (the handler these tests aim at).
CHARGER = SAGA.service(SAGA.consumers_of(topics.ORDER_CREATED)[0])


def caught_up(settings: StackSettings, group: str, topic: str, timeout_s: float = 20.0) -> None:
    """Wait until `group` has committed past every message on `topic` when called: each was
    settled (handled, skipped as a duplicate, or dead-lettered) and acknowledged."""
    offsets = BrokerOffsets({"bootstrap.servers": settings.kafka_bootstrap_servers,
                             **settings.kafka_client_config}, timeout_s=5.0)
    partitions = [TopicPartition(topic, p) for p in range(settings.topic_partitions)]
    ends = offsets.ends(partitions)
    assert len(ends) == len(partitions), f"end offsets of {topic}: only {sorted(ends)}"

    def past_the_ends() -> bool:
        committed = offsets.committed(group, partitions)
        return all(committed.get(tp, -1) >= end for tp, end in ends.items() if end > 0)

    wait_for(past_the_ends, timeout_s, f"{group} to commit past the end of {topic}")


@contextmanager
def payment_forgotten(settings: StackSettings, order_id: str) -> Iterator[None]:
    """Delete the order's payment row for the block (its account stays debited), then put
    it back, so that the books the auditor checks stay whole. Inside, the charging handler
    would charge the order again: only the inbox remembers that it did."""
    dsn = settings.dsn(CHARGER.name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.execute("DELETE FROM payments WHERE order_id = %s RETURNING *",
                              (order_id,))
        row, columns = cursor.fetchone(), [c.name for c in cursor.description or ()]
    assert row is not None, f"no payment of {order_id} to forget"
    restore = sql.SQL("INSERT INTO payments ({}) VALUES ({}) ON CONFLICT DO NOTHING").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)))
    try:
        yield
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(restore, row)

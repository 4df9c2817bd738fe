"""How fast the core's relay drains an outbox backlog to Kafka: N rows inserted at once into
a scratch schema of one service's database (its own outbox is untouched), then the relay's
own `publish_batch` called until nothing is pending, timed."""

from __future__ import annotations

import time
import uuid
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from sagaline.core.kafka.publisher import KafkaPublisher, producer_config
from sagaline.core.outbox.relay import OutboxRelay
from sagaline.core.outbox.store import PostgresOutbox
from sagaline.core.postgres import db, migrations
from sagaline.devstack.topics import ensure_topics
from sagaline.settings import StackSettings

DRAIN_TOPIC = "bench.drain"
_FILL = """
INSERT INTO outbox (event_id, topic, msg_key, payload, headers)
SELECT gen_random_uuid(), %(topic)s, 'order-' || (g %% 5000),
       jsonb_build_object('orderId', 'order-' || (g %% 5000), 'userId', 'bench-user',
                          'totalAmount', 1, 'createdAt', clock_timestamp()::text,
                          'items', jsonb_build_array(jsonb_build_object('sku', 'SKU-1',
                                                                        'quantity', 1))),
       jsonb_build_object('event-id', gen_random_uuid()::text, 'event-type', %(topic)s::text,
                          'schema-version', '1', 'occurred-at', clock_timestamp()::text,
                          'correlation-id', 'order-' || (g %% 5000))
FROM generate_series(1, %(rows)s) AS g
"""


def relay_drain(settings: StackSettings, base: str, rows: int, batch_size: int,
                timeout_s: float = 300.0) -> dict[str, Any]:
    """Events per second the relay publishes (and marks) while draining `rows` rows from a
    scratch schema in the database at `base`."""
    schema = f"bench_drain_{uuid.uuid4().hex[:10]}"
    ensure_topics(settings.kafka_bootstrap_servers, [DRAIN_TOPIC],
                  settings.topic_partitions, settings.kafka_client_config,
                  settings.topic_replication_factor)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        dsn = make_conninfo(base, options=f"-c search_path={schema}")
        migrations.migrate_dsn(dsn, [migrations.CORE_MIGRATIONS])
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(_FILL.encode(), {"topic": DRAIN_TOPIC, "rows": rows})
            conn.execute(b"ANALYZE outbox")
        return _timed_drain(settings, dsn, rows, batch_size, timeout_s)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _timed_drain(settings: StackSettings, dsn: str, rows: int, batch_size: int,
                 timeout_s: float) -> dict[str, Any]:
    kafka = KafkaPublisher(producer_config(settings.kafka_bootstrap_servers,
                                           settings.kafka_client_config,
                                           settings.kafka_compression_type))
    relay = OutboxRelay(PostgresOutbox(lambda: db.connect(dsn, "bench-drain")), kafka,
                        batch_size=batch_size)
    done, batches = 0, 0
    begin = time.perf_counter()
    deadline = begin + timeout_s
    while done < rows and time.perf_counter() < deadline:
        settled = relay.publish_batch()
        if settled == 0:
            break
        done += settled
        batches += 1
    seconds = time.perf_counter() - begin
    kafka.close()
    return {"rows": rows, "published": done, "batch_size": batch_size, "batches": batches,
            "seconds": round(seconds, 2), "events_per_s": round(done / seconds, 1),
            "complete": done >= rows}

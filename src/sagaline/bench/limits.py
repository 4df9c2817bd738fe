"""The machine's own limits, measured in the same run: single-row insert commits per second
(pgbench against one of the stack's Postgres servers) and a bare Kafka produce→consume round
trip, one message at a time. With the client's capacity they are the run's probes, which a
figure from another machine is read against (docs/performance.md, "The run documented here")."""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from confluent_kafka import Consumer, Producer, TopicPartition
from psycopg import sql

from sagaline.bench.stats import summary
from sagaline.devstack import pgsys
from sagaline.devstack.topics import ensure_topics
from sagaline.settings import StackSettings

RTT_TOPIC = "bench.rtt"
# Each probe, and why a run may lack it (the bound needs pgbench and the commits per saga).
PROBE_SOURCES = {
    "pgbench_commits_per_s": "pgbench (the machine limits were skipped)",
    "kafka_round_trip_p50_ms": "Kafka round trip (the machine limits were skipped)",
    "client_req_per_s": "client capacity (skipped: --quick, or client_capacity_s=0)",
    "postgres_bound_sagas_per_s": "Postgres bound (needs pgbench and commits per saga)",
}


def probes(result: dict[str, Any]) -> dict[str, Any]:
    """The run's raw probes, and the Postgres bound: pgbench's one-row commits/s divided by
    the write transactions one saga needs (`commits_per_saga`). A probe the run skipped is None
    and named in `missing`."""
    tps = (result.get("postgres_insert") or {}).get("tps")
    trip = ((result.get("kafka_round_trip") or {}).get("round_trip") or {}).get("p50_ms")
    # One aiohttp process: what the load generator runs by default.
    client = (result.get("client_capacity") or {}).get("aiohttp_x1_req_per_s")
    per_saga = result.get("commits_per_saga")
    bound = round(tps / per_saga, 1) if tps and per_saga else None
    found = {"pgbench_commits_per_s": tps, "kafka_round_trip_p50_ms": trip,
             "client_req_per_s": client, "commits_per_saga": per_saga,
             "postgres_bound_sagas_per_s": bound}
    return {**found, "missing": [key for key in PROBE_SOURCES if found[key] is None]}


def read_against_probes(result: dict[str, Any]) -> None:
    """Every throughput figure of a run as a fraction of the Postgres bound of the same machine
    and run: raw sagas/s differ 3x between VMs of one kind, the fraction far less."""
    measured = result["probes"] = probes(result)
    bound = measured["postgres_bound_sagas_per_s"]
    result["postgres_insert_tps"] = measured["pgbench_commits_per_s"]
    for figure in (*result["steps"], result["closed_loop"], result.get("baseline")):
        if figure and "skipped" not in figure:
            figure["fraction_of_postgres_bound"] = fraction_of_bound(
                figure["achieved_per_s"], bound)
    if bound:  # the top-level keys as before: only when the run has a bound
        result["postgres_bound_sagas_per_s"] = bound
        result["fraction_of_postgres_bound"] = result["closed_loop"]["fraction_of_postgres_bound"]


def fraction_of_bound(achieved: float | None, bound: float | None) -> float | None:
    """Achieved sagas/s as a fraction of the Postgres bound: what travels between machines."""
    return round(achieved / bound, 3) if achieved is not None and bound else None


def pgbench_insert_tps(conninfo: str, seconds: float, clients: int) -> dict[str, Any]:
    """Transactions per second of `INSERT one row` (autocommit) from `clients` connections."""
    table = f"bench_scratch_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLE {} (id bigserial PRIMARY KEY, v int)")
                     .format(sql.Identifier(table)))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "insert.sql"
            script.write_text(f"INSERT INTO {table} (v) VALUES (1);\n")
            argv = [str(pgsys.pg_bin("pgbench")), "-n", "-c", str(clients), "-j", "2",
                    "-T", str(max(1, round(seconds))), "-f", str(script), conninfo]
            out = subprocess.run(argv, capture_output=True, text=True, check=False,
                                 timeout=seconds + 60)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
    found = re.search(r"tps = ([0-9.]+)", out.stdout)
    if out.returncode != 0 or not found:
        raise RuntimeError(f"pgbench failed: {(out.stdout + out.stderr)[-800:]}")
    return {"tps": round(float(found.group(1)), 1), "clients": clients, "seconds": seconds,
            "sql": "INSERT INTO scratch (v) VALUES (1)  -- one row, one commit, fsync on"}


def kafka_round_trip(settings: StackSettings, messages: int) -> dict[str, Any]:
    """Produce one message (acks=all, idempotent, no linger), then consume it; repeat."""
    bootstrap, extra = settings.kafka_bootstrap_servers, settings.kafka_client_config
    ensure_topics(bootstrap, [RTT_TOPIC], 1, extra, settings.topic_replication_factor)
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                         "acks": "all", "linger.ms": 0, **extra})
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-rtt",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 1,
                         "fetch.min.bytes": 1, **extra})
    # An explicit offset: OFFSET_END is resolved lazily, after the first produce may have run.
    _, end = consumer.get_watermark_offsets(TopicPartition(RTT_TOPIC, 0), timeout=10)
    consumer.assign([TopicPartition(RTT_TOPIC, 0, end)])
    try:
        _one_trip(producer, consumer, b"warm-up")
        acks, trips = [], []
        for n in range(messages):
            ack_ms, trip_ms = _one_trip(producer, consumer, f"rtt-{n}".encode())
            acks.append(ack_ms)
            trips.append(trip_ms)
    finally:
        consumer.close()
        producer.flush(5)
    return {"produce_ack": summary(acks), "round_trip": summary(trips), "messages": messages}


def _one_trip(producer: Producer, consumer: Consumer, value: bytes) -> tuple[float, float]:
    begin = time.perf_counter()
    producer.produce(RTT_TOPIC, value=value)
    producer.flush(10)
    acked = time.perf_counter()
    deadline = begin + 10
    while time.perf_counter() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and msg.error() is None and msg.value() == value:
            return (acked - begin) * 1000, (time.perf_counter() - begin) * 1000
    raise RuntimeError("kafka round trip: message not consumed within 10 s")

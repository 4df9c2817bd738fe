"""Kafka admin operations the stack needs: readiness and idempotent topic provisioning."""

from __future__ import annotations

from collections.abc import Iterable

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from sagaline.stack.errors import StackError


def admin(bootstrap: str, extra: dict[str, str] | None = None) -> AdminClient:
    conf: dict[str, str | int | float | bool] = {"bootstrap.servers": bootstrap, "log_level": "0"}
    conf.update(extra or {})
    return AdminClient(conf)


def broker_ready(bootstrap: str, extra: dict[str, str] | None = None) -> bool:
    """True when the broker answers a metadata request."""
    try:
        admin(bootstrap, extra).list_topics(timeout=2)
    except KafkaException:
        return False
    return True


def ensure_topics(
    bootstrap: str, topics: Iterable[str], partitions: int, extra: dict[str, str] | None = None
) -> list[str]:
    """Create the missing topics (RF 1); existing ones are left alone. Returns those created."""
    client = admin(bootstrap, extra)
    existing = set(client.list_topics(timeout=10).topics)
    wanted = [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in topics]
    missing = [t for t in wanted if t.topic not in existing]
    if not missing:
        return []
    created: list[str] = []
    for name, future in client.create_topics(missing, operation_timeout=30).items():
        try:
            future.result(timeout=60)
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise StackError(f"creating topic {name} failed: {exc.args[0].str()}") from exc
    return created

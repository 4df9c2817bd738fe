"""The Kafka admin client, as the stack launcher and the auditor use it."""

from __future__ import annotations

from collections.abc import Mapping

from confluent_kafka.admin import AdminClient


def admin_client(bootstrap: str, extra: Mapping[str, str] | None = None) -> AdminClient:
    """An admin client; `extra` is KAFKA_CLIENT_CONFIG (SASL/TLS). librdkafka's own log is
    silenced: callers report the errors they get."""
    return AdminClient({"bootstrap.servers": bootstrap, "log_level": 0, **(extra or {})})

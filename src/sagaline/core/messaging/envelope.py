"""The event envelope: what travels on Kafka, and how it maps to a message.

The value stays plain JSON (the seed demo's fields plus our extras); the envelope's metadata
travels as Kafka headers, and the key is the correlation id (the saga), so each saga's events
keep their order within a partition. A message without our headers (as the seed demo sends)
still decodes: its identity is derived from its content, see `derived_event_id`, and its saga
from its value, by the key function the service gives (the core knows no field names).

Schema versions, the tolerant reader: `schema-version` is `MAJOR[.MINOR]`, each topic's
own (see `versions`): an envelope is written with its topic's major; a consumer reads every
minor of the majors its topic declares (ignoring fields it does not know), an older one
upcast, and refuses any other for good (`UnknownSchemaVersion`: a dead letter, no retries).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from sagaline.core.messaging import versions
from sagaline.core.messaging.versions import (  # re-exported: where callers always found them
    MalformedMessage as MalformedMessage,
)
from sagaline.core.messaging.versions import (
    UnknownSchemaVersion as UnknownSchemaVersion,
)
from sagaline.core.observability import tracing

# Namespace for ids derived from content (uuid5); fixed forever, or dedup breaks across versions.
DERIVED_ID_NAMESPACE = uuid.UUID("6b1f0c52-3c1e-4a0c-9a57-5b2f3c9d7e10")

H_EVENT_ID = "event-id"
H_EVENT_TYPE = "event-type"
H_SCHEMA_VERSION = "schema-version"
H_OCCURRED_AT = "occurred-at"
H_CORRELATION_ID = "correlation-id"
H_CAUSATION_ID = "causation-id"
H_TRACEPARENT = "traceparent"


SagaKey = Callable[[Mapping[str, Any]], str]
"""The saga of a message that came without a Kafka key, from its value (given by services)."""


def no_saga_key(payload: Mapping[str, Any]) -> str:
    """The default: a message without a key belongs to no saga."""
    return ""


def json_number(value: Decimal) -> int | float:
    """Money is Decimal inside; on the wire it is a JSON number, as in the seed demo."""
    return int(value) if value == value.to_integral_value() else float(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return json_number(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> bytes:
    """JSON bytes; orjson writes UUIDs and datetimes natively, Decimals as numbers."""
    return orjson.dumps(value, default=_json_default)


@dataclass(frozen=True)
class Envelope:
    """One event. `topic` is its type; `key` is the saga it belongs to (the order id)."""

    topic: str
    key: str
    payload: Mapping[str, Any]
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str = ""
    causation_id: str | None = None
    traceparent: str = field(default_factory=tracing.new_traceparent)
    schema_version: str = ""  # "": its topic's current major (versions.of(topic))

    def __post_init__(self) -> None:
        if not self.schema_version:
            object.__setattr__(self, "schema_version", versions.of(self.topic).written)

    @classmethod
    def first(cls, topic: str, key: str, payload: Mapping[str, Any],
              traceparent: str | None = None) -> Envelope:
        """The first event of a saga: its correlation id is its key; its trace, `traceparent`'s
        (the caller's span, see tracing.for_event), or a new one."""
        return cls(topic=topic, key=key, payload=payload, correlation_id=key,
                   traceparent=tracing.for_event(traceparent))

    def follow(self, topic: str, payload: Mapping[str, Any]) -> Envelope:
        """An event caused by this one: same saga, same trace, this event as its cause."""
        return Envelope(
            topic=topic,
            key=self.key,
            payload=payload,
            correlation_id=self.correlation_id or self.key,
            causation_id=str(self.event_id),
            traceparent=tracing.for_event(self.traceparent),
        )

    def headers(self) -> dict[str, str]:
        headers = {
            H_EVENT_ID: str(self.event_id),
            H_EVENT_TYPE: self.topic,
            H_SCHEMA_VERSION: self.schema_version,
            H_OCCURRED_AT: self.occurred_at.isoformat(),
            H_CORRELATION_ID: self.correlation_id or self.key,
            H_TRACEPARENT: self.traceparent,
        }
        if self.causation_id:
            headers[H_CAUSATION_ID] = self.causation_id
        return headers

    def value(self) -> bytes:
        return dumps(self.payload)


def derived_event_id(topic: str, payload: Mapping[str, Any]) -> uuid.UUID:
    """A stable id for a message that carries none: uuid5 of the topic and canonical JSON.

    The same content on the same topic is the same event, so a redelivered or republished
    seed-style message is recognised as a duplicate.
    """
    canonical = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    return uuid.uuid5(DERIVED_ID_NAMESPACE, topic.encode().hex() + ":" + canonical.hex())


def _upcast(topic: str, reads: versions.Versions, major: int,
            payload: dict[str, Any]) -> dict[str, Any]:
    try:
        return reads.current(major, payload)
    except Exception as exc:  # an old value its upcast cannot turn: it will never be read
        raise MalformedMessage(f"{topic} major {major} cannot be upcast to "
                               f"{reads.major}: {exc!r}") from exc


def decode(topic: str, key: bytes | None, value: bytes | None, headers: Mapping[str, bytes],
           saga_key: SagaKey = no_saga_key) -> Envelope:
    """Build an Envelope from a Kafka message; raises MalformedMessage when it cannot.
    `saga_key` names the saga of a message without a key."""
    text = {name: raw.decode("utf-8", "replace") for name, raw in headers.items()}
    version = text.get(H_SCHEMA_VERSION, versions.UNVERSIONED)
    reads = versions.of(topic)
    major = reads.check(topic, version)  # first: a new major's value may not even be JSON
    try:
        payload = orjson.loads(value or b"")
    except orjson.JSONDecodeError as exc:
        raise MalformedMessage(f"value is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise MalformedMessage(f"value is JSON {type(payload).__name__}, not an object")
    payload = _upcast(topic, reads, major, payload)
    saga = key.decode("utf-8", "replace") if key else saga_key(payload)
    try:
        event_id = uuid.UUID(text[H_EVENT_ID]) if H_EVENT_ID in text else None
        occurred = datetime.fromisoformat(text[H_OCCURRED_AT]) if H_OCCURRED_AT in text else None
    except ValueError as exc:
        raise MalformedMessage(f"bad envelope header: {exc}") from exc
    return Envelope(
        topic=topic, key=saga, payload=payload,
        event_id=event_id or derived_event_id(topic, payload),
        occurred_at=occurred or datetime.now(UTC),
        correlation_id=text.get(H_CORRELATION_ID, saga), causation_id=text.get(H_CAUSATION_ID),
        traceparent=text.get(H_TRACEPARENT) or tracing.new_traceparent(),
        schema_version=version,
    )

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from sagaline.core.messaging.envelope import (
    Envelope,
    MalformedMessage,
    UnknownSchemaVersion,
    decode,
    derived_event_id,
)
from sagaline.core.observability import tracing
from sagaline.seed_saga.events import saga_key

pytestmark = pytest.mark.unit


def test_headers_round_trip_through_decode() -> None:
    first = Envelope.first("order.created", "o-1", {"orderId": "o-1", "totalAmount": 5})
    event = first.follow("payment.charged", {"orderId": "o-1", "amount": Decimal("12.50")})
    raw = {name: value.encode() for name, value in event.headers().items()}
    back = decode("payment.charged", b"o-1", event.value(), raw)
    assert back == event
    assert back.payload["amount"] == 12.5


def test_follow_keeps_the_saga_and_the_trace() -> None:
    first = Envelope.first("order.created", "o-1", {})
    child = first.follow("payment.charged", {})
    assert child.correlation_id == "o-1" and child.key == "o-1"
    assert child.causation_id == str(first.event_id)
    assert tracing.trace_id(child.traceparent) == tracing.trace_id(first.traceparent)
    assert child.traceparent != first.traceparent


def test_first_continues_a_callers_trace() -> None:
    parent = tracing.new_traceparent()
    event = Envelope.first("order.created", "o-1", {}, traceparent=parent)
    assert tracing.trace_id(event.traceparent) == tracing.trace_id(parent)
    assert tracing.is_valid(Envelope.first("t", "k", {}, traceparent="junk").traceparent)


def test_a_seed_style_message_gets_a_stable_identity_from_its_content() -> None:
    value = b'{"orderId": "o-1", "amount": 500}'
    one = decode("payment.charged", None, value, {}, saga_key)
    two = decode("payment.charged", None, b'{"amount":500,"orderId":"o-1"}', {}, saga_key)
    assert one.event_id == two.event_id == derived_event_id("payment.charged", one.payload)
    assert one.key == "o-1" and one.correlation_id == "o-1" and one.causation_id is None
    assert decode("payment.failed", None, value, {}).event_id != one.event_id
    assert isinstance(one.event_id, uuid.UUID) and one.event_id.version == 5


@pytest.mark.parametrize("value", [b"not json", b"[1, 2]", b"", None, b"\xff\xfe"])
def test_a_value_that_is_no_json_object_is_malformed(value: bytes | None) -> None:
    with pytest.raises(MalformedMessage):
        decode("order.created", None, value, {})


def test_a_bad_envelope_header_is_malformed() -> None:
    with pytest.raises(MalformedMessage):
        decode("order.created", None, b"{}", {"event-id": b"not-a-uuid"})


def test_the_core_takes_no_saga_from_a_value_unless_told_how() -> None:
    value = b'{"orderId": "o-1"}'
    assert decode("payment.charged", None, value, {}).key == ""
    assert decode("payment.charged", None, value, {}, lambda v: f"saga-{v['orderId']}"
                  ).key == "saga-o-1"
    assert decode("payment.charged", b"o-2", value, {}, saga_key).key == "o-2"  # a key wins


@pytest.mark.parametrize("version", ["1", "1.0", "1.3", " 1.12 "])
def test_every_minor_of_the_known_major_is_read(version: str) -> None:
    event = decode("t", b"k", b'{"n": 1, "added": {"in": "1.3"}}',
                   {"schema-version": version.encode()})
    assert event.schema_version == version and event.payload["added"] == {"in": "1.3"}


def test_a_message_without_a_version_is_version_1_and_we_produce_1() -> None:
    assert decode("t", b"k", b"{}", {}).schema_version == "1"
    assert Envelope.first("t", "k", {}).headers()["schema-version"] == "1"


@pytest.mark.parametrize("version", ["2.0", "2", "0.9", "10.1"])
def test_another_major_is_refused_with_the_reason(version: str) -> None:
    with pytest.raises(UnknownSchemaVersion) as refused:
        decode("t", b"k", b"not even json in 2.0", {"schema-version": version.encode()})
    assert str(refused.value) == f"schema-version {version}: this consumer reads major version 1"


@pytest.mark.parametrize("version", ["", "one", "1.x", "1.2.3", "v1"])
def test_a_version_that_is_no_version_is_malformed(version: str) -> None:
    with pytest.raises(MalformedMessage, match="schema-version") as refused:
        decode("t", b"k", b"{}", {"schema-version": version.encode()})
    assert not isinstance(refused.value, UnknownSchemaVersion)

"""Traces from the real services: with OTEL_* pointing at a small OTLP/HTTP receiver, a saga's
spans arrive from all three processes and form one tree under the caller's span."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sagaline.core.observability import tracing
from sagaline.devstack import Stack
from sagaline.seed_saga.saga import SAGA as SEED
from tests.integration.saga.conftest import Saga, new_user
from tests.otlp_receiver import OtlpReceiver, ReceivedSpan

pytestmark = pytest.mark.integration
SERVER, PRODUCER, CONSUMER = 2, 4, 5  # opentelemetry.proto's span kinds


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as running:
        yield running


@pytest.fixture(scope="module")
def traced(saga: Saga, receiver: OtlpReceiver) -> Iterator[Stack]:
    """The three services restarted exporting to the receiver, restored afterwards."""
    stack = saga.stack
    tracing_on = stack.with_services(otel_exporter_otlp_endpoint=receiver.endpoint,
                                     otel_bsp_schedule_delay=100)  # export within 0.1 s
    for name in stack.service_names:
        stack.stop(name)
        tracing_on.start(name)
    saga.settle()
    yield tracing_on
    for name in stack.service_names:
        stack.stop(name)
        stack.start(name)
    saga.settle()


def trace_of(spans: list[ReceivedSpan], traceparent: str) -> list[ReceivedSpan]:
    return [s for s in spans if s.trace_id == tracing.trace_id(traceparent)]


def has(spans: list[ReceivedSpan], service: str, name: str) -> bool:
    return any(s.service == service and s.name == name for s in spans)


def orphans(spans: list[ReceivedSpan]) -> list[tuple[str, str]]:
    ids = {s.span_id for s in spans}
    return [(s.service, s.name) for s in spans if s.parent_id not in ids]


def received_trace(receiver: OtlpReceiver, caller: str, service: str,
                   last: str) -> list[ReceivedSpan]:
    """The trace's spans once `service`'s span `last` and every parent are in (a message's
    span ends after its handler's, so they may come in two exports)."""
    def whole(got: list[ReceivedSpan]) -> bool:
        spans = trace_of(got, caller)
        return has(spans, service, last) and len(orphans(spans)) == 1
    return trace_of(receiver.wait_for(whole, 15), caller)


def assert_one_tree(spans: list[ReceivedSpan], caller: str) -> None:
    assert len({s.span_id for s in spans}) == len(spans)
    root = next(s for s in spans if s.name == "POST /orders")
    assert orphans(spans) == [(root.service, root.name)] and root.parent_id == caller[36:52]


def test_a_sagas_spans_from_three_processes_form_one_tree(
        saga: Saga, traced: Stack, receiver: OtlpReceiver) -> None:
    caller = tracing.new_traceparent()
    order_id = saga.place(new_user(), 25, [(saga.new_sku(3), 1)], traceparent=caller)
    assert saga.final(order_id)["status"] == "CONFIRMED"
    spans = received_trace(receiver, caller, "order", "process inventory.reserved")
    assert {s.service for s in spans} == set(SEED.names)  # from every service's process
    assert_one_tree(spans, caller)
    kinds = {(s.service, s.kind, s.name) for s in spans}
    assert {("order", SERVER, "POST /orders"), ("order", PRODUCER, "send order.created"),
            ("payment", CONSUMER, "process order.created"),
            ("payment", PRODUCER, "send payment.charged"),
            ("inventory", CONSUMER, "process payment.charged"),
            ("inventory", PRODUCER, "send inventory.reserved"),
            ("order", CONSUMER, "process inventory.reserved")} <= kinds


def test_a_compensated_saga_is_one_tree_too(saga: Saga, traced: Stack,
                                            receiver: OtlpReceiver) -> None:
    caller = tracing.new_traceparent()
    order_id = saga.place(new_user(), 25, [(saga.new_sku(1), 2)], traceparent=caller)
    order = saga.final(order_id)
    assert (order["status"], order["reason"]) == ("CANCELLED", "OUT_OF_STOCK")
    spans = received_trace(receiver, caller, "order", "process payment.refunded")
    assert_one_tree(spans, caller)
    assert has(spans, "payment", "refund_after_failure")
    sent = next(s for s in spans if s.name == "send payment.refunded")
    assert sent.start_ns <= sent.end_ns

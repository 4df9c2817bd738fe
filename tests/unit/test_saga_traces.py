"""One saga is one trace: the HTTP span, the work placing the order, a producer span per
relayed row, a consumer span per message with its handler's span, the compensations and the
deadline's cancellation, all in one tree (the SDK's in-memory exporter; the seed saga in
sagaline.testing's harness: each service composed with its fake, the real relay over
in-memory outboxes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from sagaline.core.observability import trace_setup, tracing
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.harness import SagaHarness

pytestmark = pytest.mark.unit


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace_setup.install(provider)
    yield exporter
    trace_setup.stop()


def seed_saga(stock: dict[str, int]) -> SagaHarness:
    return SagaHarness(SAGA, settings_overrides={"inventory": {"initial_stock": stock}})


def place(saga: SagaHarness, body: dict[str, Any],
          headers: dict[str, str] | None = None) -> str:
    placed = saga.post("/orders", body, headers)
    assert placed.status_code == 201, placed.text
    return str(placed.json()["orderId"])


def one_tree(finished: tuple[ReadableSpan, ...]) -> ReadableSpan:
    """Asserts the spans form one trace with every parent among them; returns the root."""
    assert finished
    assert len({s.context.trace_id for s in finished}) == 1
    ids = {s.context.span_id for s in finished}
    roots = [s for s in finished if s.parent is None]
    orphans = [s.name for s in finished if s.parent is not None and s.parent.span_id not in ids]
    assert orphans == [] and len(roots) == 1
    return roots[0]


def names(finished: tuple[ReadableSpan, ...], kind: SpanKind) -> list[str]:
    return sorted(s.name for s in finished if s.kind is kind)


def test_a_confirmed_saga_is_one_tree_under_its_http_span(
        spans: InMemorySpanExporter) -> None:
    saga = seed_saga({"A": 5})
    place(saga, {"userId": "u1", "totalAmount": 10, "items": [{"sku": "A", "quantity": 1}]})
    saga.run()
    finished = spans.get_finished_spans()
    root = one_tree(finished)
    assert (root.name, root.kind) == ("POST /orders", SpanKind.SERVER)
    assert names(finished, SpanKind.PRODUCER) == [
        "send inventory.reserved", "send order.created", "send payment.charged"]
    assert names(finished, SpanKind.CONSUMER) == [
        "process inventory.reserved", "process order.created", "process payment.charged",
        "process payment.charged"]
    by_id = {s.context.span_id: s for s in finished}
    for span in finished:  # a message's span under its send's, a send's under the emitter
        parent = by_id[span.parent.span_id] if span.parent else None
        if span.kind is SpanKind.CONSUMER:
            assert parent is not None and parent.kind is SpanKind.PRODUCER
        if span.kind is SpanKind.PRODUCER:
            assert parent is not None and parent.kind is SpanKind.INTERNAL
    handlers = {s.name for s in finished if s.kind is SpanKind.INTERNAL}
    assert {"place_order", "charge_for_order", "reserve_for_paid_order", "advance"} <= handlers
    assert saga.fake("order").orders.rows.popitem()[1].status == "CONFIRMED"


def test_a_producer_span_starts_when_its_row_was_written(spans: InMemorySpanExporter) -> None:
    saga = seed_saga({})
    place(saga, {"userId": "u1", "totalAmount": 10})
    saga.run()
    finished = spans.get_finished_spans()
    placed = next(s for s in finished if s.name == "place_order")
    sent = next(s for s in finished if s.name == "send order.created")
    assert sent.parent is not None and sent.parent.span_id == placed.context.span_id
    event = saga.fake("order").committed[0]
    assert sent.start_time == int(event.occurred_at.timestamp() * 1e9)
    assert [e.name for e in sent.events] == ["read from the outbox"]
    received = next(s for s in finished if s.name == "process order.created")
    assert received.parent is not None and received.parent.span_id == sent.context.span_id


def test_a_callers_traceparent_is_the_sagas_parent(spans: InMemorySpanExporter) -> None:
    caller = tracing.new_traceparent()
    saga = seed_saga({})
    place(saga, {"userId": "u1", "totalAmount": 10}, headers={"traceparent": caller})
    saga.run()
    finished = spans.get_finished_spans()
    root = next(s for s in finished if s.name == "POST /orders")
    assert root.parent is not None and f"{root.parent.span_id:016x}" == caller[36:52]
    assert {f"{s.context.trace_id:032x}" for s in finished} == {tracing.trace_id(caller)}


def test_out_of_stock_the_refund_is_a_compensation_in_the_same_trace(
        spans: InMemorySpanExporter) -> None:
    saga = seed_saga({"A": 0})
    place(saga, {"userId": "u1", "totalAmount": 10, "items": [{"sku": "A", "quantity": 1}]})
    saga.run()
    finished = spans.get_finished_spans()
    one_tree(finished)
    refund = next(s for s in finished if s.name == "refund_after_failure")
    assert refund.attributes is not None and refund.attributes["saga.compensation"] is True
    assert "send payment.refunded" in names(finished, SpanKind.PRODUCER)


def test_the_deadlines_cancellation_continues_the_sagas_trace(
        spans: InMemorySpanExporter) -> None:
    saga = seed_saga({"A": 5})
    place(saga, {"userId": "u1", "totalAmount": 10, "items": [{"sku": "A", "quantity": 1}]})
    saga.run(paused={"inventory"})  # charged; the reservation never comes
    saga.advance(61)  # past the deadline: its sweep cancels the order
    saga.run()  # payment refunds; inventory reserves late, then releases
    finished = spans.get_finished_spans()
    one_tree(finished)
    deadline = next(s for s in finished if s.name == "saga deadline")
    placed = next(s for s in finished if s.name == "place_order")
    assert deadline.parent is not None and deadline.parent.span_id == placed.context.span_id
    compensations = {s.name for s in finished
                     if s.attributes is not None and s.attributes.get("saga.compensation")}
    assert compensations == {"cancel_for_order", "release_for_order"}


def test_each_relayed_row_is_parented_by_its_own_saga_not_the_ambient_span(
        spans: InMemorySpanExporter) -> None:
    saga = seed_saga({})
    first = place(saga, {"userId": "u1", "totalAmount": 10})
    second = place(saga, {"userId": "u2", "totalAmount": 20})
    with tracing.span("unrelated work", None):  # current while the relay runs its batch
        assert saga.steps["order"].relay.publish_batch() == 2
    finished = spans.get_finished_spans()
    traces = {o.order_id: o.traceparent for o in saga.fake("order").orders.rows.values()}
    for order_id in (first, second):
        sent = next(s for s in finished if s.name == "send order.created"
                    and s.attributes is not None and s.attributes["saga.id"] == order_id)
        stored = next(t for o, t in traces.items() if str(o) == order_id)
        assert stored is not None and sent.parent is not None
        assert f"{sent.parent.span_id:016x}" == stored[36:52]

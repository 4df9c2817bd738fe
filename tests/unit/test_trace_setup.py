"""Traces are switched on by the standard OTEL_* variables only, and cost nothing when off:
no tracer provider, no span object made on the request, relay or consumer paths."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider

from sagaline.core.observability import trace_setup, tracing
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.harness import SagaHarness

pytestmark = pytest.mark.unit
OTEL_VARIABLES = ("OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
                  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
                  "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_SERVICE_NAME",
                  "OTEL_RESOURCE_ATTRIBUTES")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield
    trace_setup.stop()


@pytest.mark.parametrize(("environment", "exporters"), [
    ({}, []),
    ({"OTEL_SERVICE_NAME": "order"}, []),  # a name alone exports nothing
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, ["otlp"]),
    ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, ["otlp"]),
    ({"OTEL_TRACES_EXPORTER": "otlp,console"}, ["otlp", "console"]),
    ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x"}, []),
    ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, []),
    ({"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "console"}, ["console"]),
])
def test_which_variables_switch_traces_on(environment: dict[str, str],
                                          exporters: list[str]) -> None:
    assert trace_setup.exporters_named(environment) == exporters


def test_an_endpoint_switches_traces_on_named_after_the_service(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert trace_setup.start("order") is False and not tracing.enabled()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
    assert trace_setup.start("order") is True and tracing.enabled()
    assert trace_setup.resource("order").attributes["service.name"] == "order"
    monkeypatch.setenv("OTEL_SERVICE_NAME", "order-eu")
    assert trace_setup.resource("order").attributes["service.name"] == "order-eu"
    trace_setup.stop()
    assert not tracing.enabled()


@pytest.mark.parametrize(("name", "value", "problem"), [
    ("OTEL_TRACES_EXPORTER", "zipkin", "not one of otlp, console, none"),
    ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", "only http/protobuf"),
])
def test_what_cannot_be_honoured_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, name: str,
                                                  value: str, problem: str) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
    monkeypatch.setenv(name, value)
    with pytest.raises(trace_setup.TracingConfigError, match=problem):
        trace_setup.start("order")
    assert not tracing.enabled()


class SpanCount:
    """Counts span objects made (SDK spans and non-recording ones) and context look-ups."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.made = 0
        for cls in (ReadableSpan, trace.NonRecordingSpan):
            monkeypatch.setattr(cls, "__init__", self._counting(cls.__init__))
        monkeypatch.setattr(trace, "get_current_span", self._counting(trace.get_current_span))

    def _counting(self, original: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.made += 1
            return original(*args, **kwargs)
        return counted


def a_whole_saga() -> SagaHarness:
    saga = SagaHarness(SAGA, settings_overrides={"inventory": {"initial_stock": {"A": 0}}})
    # out of stock: a compensation too
    placed = saga.post("/orders", {"userId": "u1", "totalAmount": 10,
                                   "items": [{"sku": "A", "quantity": 1}]})
    assert placed.status_code == 201
    saga.run()
    return saga


def test_with_traces_off_a_saga_makes_no_span_object(monkeypatch: pytest.MonkeyPatch) -> None:
    count = SpanCount(monkeypatch)
    saga = a_whole_saga()
    assert len(saga.broker.sent) == 4  # created, charged, inventory failed, refunded
    assert count.made == 0 and not tracing.enabled()


def test_with_traces_on_the_same_saga_makes_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    count = SpanCount(monkeypatch)  # the counter above can see spans: it could fail
    trace_setup.install(TracerProvider())
    a_whole_saga()
    assert count.made > 10

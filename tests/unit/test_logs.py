"""Logging: the JSON format and the ids a handled event's lines carry."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.processor import EventProcessor
from sagaline.core.observability import logs
from sagaline.seed_saga.order.settings import OrderSettings
from sagaline.testing.unit_of_work import InMemoryUnitOfWork
from tests.service_settings import settings_for

pytestmark = pytest.mark.unit
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger's records as the services write them with LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(logs.json_formatter("order", {"saga_id": "order_id"}))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level, root.level = root.level, logging.INFO
    yield stream
    root.removeHandler(handler)
    root.level = old_level


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


def test_a_json_line_is_one_object_with_time_level_service_and_message(
        json_lines: io.StringIO) -> None:
    logging.getLogger("sagaline.test").warning("stock %s is low", "SKU-1")
    (line,) = lines(json_lines)
    assert line["message"] == "stock SKU-1 is low" and line["level"] == "WARNING"
    assert line["service"] == "order" and line["logger"] == "sagaline.test"
    assert line["time"].endswith("+00:00") and "T" in line["time"]  # ISO 8601, UTC
    assert (line["trace_id"], line["order_id"], line["event_id"]) == (None, None, None)


def test_an_exception_and_a_multi_line_message_stay_on_one_line(
        json_lines: io.StringIO) -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        logging.getLogger("sagaline.test").exception("failed:\nhere")
    assert len(json_lines.getvalue().splitlines()) == 1
    (line,) = lines(json_lines)
    assert "ValueError: bad\nvalue" in line["exc_info"]


def test_a_handled_events_log_line_carries_its_order_event_and_trace_ids(
        json_lines: io.StringIO) -> None:
    def handler(event: Envelope, uow: Any) -> None:
        logging.getLogger("sagaline.seed_saga.order").info("moving the order")

    event = Envelope.first("payment.charged", "a2c0e7c4-5b1e-4a4f-9d51-2f1f7f2b6d10",
                           {"orderId": "a2c0e7c4-5b1e-4a4f-9d51-2f1f7f2b6d10"},
                           traceparent=TRACEPARENT)
    uow = InMemoryUnitOfWork()
    EventProcessor("order-service-group", {"payment.charged": handler},
                   lambda: uow).process([event])
    logging.getLogger("sagaline.test").info("after")
    handled, after = lines(json_lines)
    assert handled["order_id"] == "a2c0e7c4-5b1e-4a4f-9d51-2f1f7f2b6d10"
    assert handled["event_id"] == str(event.event_id)
    assert handled["trace_id"] == "0af7651916cd43dd8448eb211c80319c"  # the saga's trace
    assert (after["order_id"], after["event_id"]) == (None, None)  # the context is left


def test_bound_fields_nest_and_unwind() -> None:
    with logs.bound(saga_id="o1"):
        with logs.bound(event_id="e1"):
            assert dict(logs.current()) == {"saga_id": "o1", "event_id": "e1"}
        assert dict(logs.current()) == {"saga_id": "o1"}
    assert dict(logs.current()) == {}


def test_text_stays_the_default_format() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        handler = logs.configure("payment")
        assert not isinstance(handler.formatter, type(logs.json_formatter("x")))
        assert handler.formatter is not None and "payment" in (handler.formatter._fmt or "")
        assert root.handlers == [handler]
    finally:
        root.handlers[:], root.level = saved[0], saved[1]


def test_the_settings_default_to_text_logs_and_metrics_on_and_refuse_other_formats() -> None:
    settings = settings_for(OrderSettings)
    assert (settings.log_format, settings.metrics_enabled) == ("text", True)
    with pytest.raises(ValidationError, match="log_format"):
        settings_for(OrderSettings, log_format="xml")

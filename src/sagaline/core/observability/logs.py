"""Logging: a context of ids that every line carries, and the text or JSON format.

The consumer and the relay bind the event they work on (`bound(event_id=..., saga_id=...,
traceparent=...)`) in a context variable, so whatever a handler logs meanwhile names its
event, saga and trace without passing them around. With LOG_FORMAT=json each line is one JSON
object: time, level, service, logger, message and those ids (python-json-logger).
"""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any, Literal

from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]
CONTEXT_FIELDS = ("trace_id", "saga_id", "event_id")  # every JSON line has them (or null)
_EMPTY: Mapping[str, Any] = MappingProxyType({})
_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "sagaline_log_context", default=_EMPTY)


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add `fields` to the log context for the block. Values are kept as given (no string
    formatting on the hot path); `traceparent` is reported as its `trace_id`."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def current() -> Mapping[str, Any]:
    return _context.get()


class ContextFilter(logging.Filter):
    """Copies the log context onto each record (as `trace_id`, `saga_id`, `event_id`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get()
        for name in CONTEXT_FIELDS:
            setattr(record, name, context.get(name))
        traceparent = context.get("traceparent")
        if traceparent and record.trace_id is None:  # type: ignore[attr-defined]
            record.trace_id = _trace_id(str(traceparent))
        for name, value in context.items():
            if name not in CONTEXT_FIELDS and name != "traceparent":
                setattr(record, name, value)
        return True


def _trace_id(traceparent: str) -> str | None:
    parts = traceparent.split("-")  # version-traceid-spanid-flags
    return parts[1] if len(parts) == 4 and len(parts[1]) == 32 else None


def json_formatter(service: str, renamed: Mapping[str, str] | None = None) -> JsonFormatter:
    """One JSON object per line. `renamed` lets a service name the saga id in its own words
    (the saga services call it `order_id`); the core knows no orders."""
    return JsonFormatter(
        "{message}{levelname}{name}", style="{",
        rename_fields={"levelname": "level", "name": "logger", **(renamed or {})},
        rename_fields_keep_missing=True, static_fields={"service": service},
        timestamp="time", json_default=_json_value)


def _json_value(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)  # datetimes as ISO 8601, ids as strings
    return isoformat() if callable(isoformat) else str(value)


def text_formatter(service: str) -> logging.Formatter:
    return logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")


def configure(service: str, log_format: LogFormat = "text", level: int = logging.INFO,
              renamed: Mapping[str, str] | None = None) -> logging.Handler:
    """Send the root logger's records to stderr in `log_format`; returns the handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(json_formatter(service, renamed) if log_format == "json"
                         else text_formatter(service))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler

"""W3C trace context (`traceparent`) for events, so a saga is one trace across services; and
spans, exported with OpenTelemetry's SDK when the standard `OTEL_*` variables ask for it.

With tracing off (the default: see `core.trace_setup`), only ids are made here: no tracer
provider exists and `span()` hands back one shared do-nothing context manager, so the hot
paths create no span object. Every parent is given explicitly, as a `traceparent` string: the
relay publishes many sagas' rows in one batch, and each must be parented by its own row.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from opentelemetry.util.types import AttributeValue

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_PROPAGATOR = TraceContextTextMapPropagator()
NO_SPAN: AbstractContextManager[None] = contextlib.nullcontext()  # shared: allocates nothing
_tracer: Tracer | None = None  # None: tracing is off


def new_traceparent() -> str:
    """A new trace with a new root span, sampled."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def is_valid(traceparent: str | None) -> bool:
    match = _TRACEPARENT.match(traceparent or "")
    return match is not None and match.group(1) != "0" * 32 and match.group(2) != "0" * 16


def child_of(traceparent: str) -> str:
    """Same trace, new span id; starts a new trace when the parent is not valid."""
    match = _TRACEPARENT.match(traceparent)
    if not match or not is_valid(traceparent):
        return new_traceparent()
    return f"00-{match.group(1)}-{secrets.token_hex(8)}-{match.group(3)}"


def trace_id(traceparent: str) -> str | None:
    match = _TRACEPARENT.match(traceparent)
    return match.group(1) if match else None


# --- spans (only while a tracer is installed) -------------------------------------------------

def use(tracer: Tracer | None) -> None:
    """Install the tracer spans are made with (None: tracing off). See core.trace_setup."""
    global _tracer
    _tracer = tracer


def tracer() -> Tracer | None:
    return _tracer


def enabled() -> bool:
    return _tracer is not None


def for_event(parent: str | None) -> str:
    """The `traceparent` a new event carries. Tracing on: the span doing the work (the
    current one), else `parent` itself. Tracing off: a new id under `parent`, as before."""
    if _tracer is not None:
        current = current_traceparent(parent)
        if current is not None and is_valid(current):
            return current
    return child_of(parent) if parent is not None and is_valid(parent) else new_traceparent()


def current_traceparent(otherwise: str | None = None) -> str | None:
    """The current span's `traceparent` while tracing is on and a span is current, else
    `otherwise`: to hand the span over to work done on another thread."""
    if _tracer is None:
        return otherwise
    return traceparent_of(trace.get_current_span()) or otherwise


def traceparent_of(span: Span) -> str | None:
    """The W3C header naming `span`, written out explicitly (no ambient propagation)."""
    context = span.get_span_context()
    if not context.is_valid:
        return None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def parent_context(traceparent: str | None) -> otel_context.Context:
    """A context whose parent is the span `traceparent` names; an empty one (a new trace)
    when it is missing or not valid. Never the ambient context."""
    if traceparent is None or not is_valid(traceparent):
        return otel_context.Context()
    return _PROPAGATOR.extract({"traceparent": traceparent}, context=otel_context.Context())


def span(name: str, parent: str | None, kind: SpanKind = SpanKind.INTERNAL,
         attributes: Mapping[str, AttributeValue] | None = None,
         ) -> AbstractContextManager[Any]:
    """A span made current for the block, child of `parent` (a `traceparent`; None: a new
    trace). Tracing off: a shared no-op, nothing allocated."""
    if _tracer is None:
        return NO_SPAN
    return _current(_tracer, name, parent, kind, attributes)


@contextlib.contextmanager
def _current(tracer: Tracer, name: str, parent: str | None, kind: SpanKind,
             attributes: Mapping[str, AttributeValue] | None) -> Iterator[Span]:
    with tracer.start_as_current_span(name, context=parent_context(parent), kind=kind,
                                      attributes=attributes) as made:
        yield made


def child_span(name: str, attributes: Mapping[str, AttributeValue] | None = None,
               ) -> AbstractContextManager[Any]:
    """A span under the current one (e.g. a handler's work inside its message's span)."""
    if _tracer is None:
        return NO_SPAN
    return _tracer.start_as_current_span(name, attributes=attributes)

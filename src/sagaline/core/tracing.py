"""W3C trace context (`traceparent`) for events, so a saga is one trace across services.

Only ids are made here; exporting spans is left to an OpenTelemetry SDK a user plugs in.
"""

from __future__ import annotations

import re
import secrets

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


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

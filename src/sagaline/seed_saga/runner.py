"""Entry point shared by the three services: settings, logging, bootstrap, serve."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from sagaline.core.middleware.faults import FaultPoints
from sagaline.core.observability import logs, trace_setup
from sagaline.core.runtime.service import Service
from sagaline.seed_saga import ServiceSpec
from sagaline.settings import FaultSettings, ServiceSettings


def run(spec: ServiceSpec, bootstrap: Callable[..., Service], **adapters: Any) -> None:
    """Read the service's own settings (and the chaos tier's fault points, off unless set),
    bootstrap it with the real adapters (or the given ones) and serve until stopped."""
    settings, faults = read_settings(spec)
    # Our saga's id is the order id: JSON lines name it so (the core says saga_id).
    logs.configure(spec.name, settings.log_format, renamed={"saga_id": "order_id"})
    # HTTP, the consumer and the relay share one interpreter: hand the GIL over every 1 ms
    # (default 5 ms) so a thread whose I/O is done does not wait behind a busy one.
    sys.setswitchinterval(0.001)
    _start_tracing(spec.name)
    service = bootstrap(settings, faults=faults, **adapters)
    try:
        service.serve(settings.http_host, settings.http_port)
    finally:
        trace_setup.stop()  # flushes the spans still buffered


def _start_tracing(service: str) -> None:
    """Traces when the OTEL_* variables ask for them (see core.trace_setup)."""
    try:
        on = trace_setup.start(service)
    except trace_setup.TracingConfigError as exc:
        sys.exit(f"{service}: bad configuration: {exc}")
    if on:
        logging.getLogger(__name__).info("tracing on: exporting spans as OTEL_* says")


def read_settings(spec: ServiceSpec) -> tuple[ServiceSettings, FaultPoints]:
    try:
        return spec.settings(), FaultSettings().points()
    except ValidationError as exc:
        sys.exit(f"{spec.name}: bad configuration:\n{exc}")

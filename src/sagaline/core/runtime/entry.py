"""A service's process: settings, logging, tracing, the composition root, serve."""

from __future__ import annotations

import logging
import sys
from typing import Any

from pydantic import ValidationError

from sagaline.core.middleware.faults import FaultPoints
from sagaline.core.observability import logs, trace_setup
from sagaline.core.runtime.compose import compose
from sagaline.core.saga import Saga
from sagaline.settings import FaultSettings, ServiceSettings, service_settings


def run(saga: Saga, name: str, **adapters: Any) -> None:
    """Read service `name`'s settings (and the chaos tier's fault points, off unless set),
    compose it with the real adapters (or the given ones) and serve until stopped."""
    settings, faults = read_settings(saga, name)
    # JSON lines name the saga's id as the saga does (the core says saga_id).
    logs.configure(name, settings.log_format, renamed={"saga_id": saga.key_name})
    if warning := settings.open_warning():  # allowed by ALLOW_OPEN_API, never quietly
        logging.getLogger(__name__).warning(warning)
    # HTTP, the consumer and the relay share one interpreter: hand the GIL over every 1 ms
    # (default 5 ms) so a thread whose I/O is done does not wait behind a busy one.
    sys.setswitchinterval(0.001)
    _start_tracing(name)
    service = compose(saga, name, settings, faults=faults, **adapters)
    try:
        service.serve(settings.http_host, settings.http_port)
    finally:
        trace_setup.stop()  # flushes the spans still buffered


def _start_tracing(service: str) -> None:
    """Traces when the OTEL_* variables ask for them (see core.observability.trace_setup)."""
    try:
        on = trace_setup.start(service)
    except trace_setup.TracingConfigError as exc:
        sys.exit(f"{service}: bad configuration: {exc}")
    if on:
        logging.getLogger(__name__).info("tracing on: exporting spans as OTEL_* says")


def read_settings(saga: Saga, name: str) -> tuple[ServiceSettings, FaultPoints]:
    try:
        return service_settings(saga, name)(), FaultSettings().points()
    except ValidationError as exc:
        sys.exit(f"{name}: bad configuration:\n{exc}")

"""Entry point shared by the three services: settings, logging, bootstrap, serve."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from sagaline.core import logs
from sagaline.core.faults import FaultPoints
from sagaline.core.service import Service
from sagaline.services import ServiceSpec
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
    service = bootstrap(settings, faults=faults, **adapters)
    service.serve(settings.http_host, settings.http_port)


def read_settings(spec: ServiceSpec) -> tuple[ServiceSettings, FaultPoints]:
    try:
        return spec.settings(), FaultSettings().points()
    except ValidationError as exc:
        sys.exit(f"{spec.name}: bad configuration:\n{exc}")

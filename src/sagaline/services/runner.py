"""Entry point shared by the three services: settings, logging, bootstrap, serve."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from pydantic import ValidationError

from sagaline.core.service import Service
from sagaline.services import ServiceSpec
from sagaline.settings import Settings


def run(spec: ServiceSpec, bootstrap: Callable[[Settings], Service]) -> None:
    logging.basicConfig(level=logging.INFO,
                        format=f"%(asctime)s {spec.name} %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings()
    except ValidationError as exc:
        sys.exit(f"{spec.name}: bad configuration:\n{exc}")
    # HTTP, the consumer and the relay share one interpreter: hand the GIL over every 1 ms
    # (default 5 ms) so a thread whose I/O is done does not wait behind a busy one.
    sys.setswitchinterval(0.001)
    service = bootstrap(settings)
    service.serve(settings.http_host, spec.http_port(settings))

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
    service = bootstrap(settings)
    service.serve(settings.http_host, spec.http_port(settings))

"""Assembling and running a service from its parts: HTTP app, outbox relay, consumer loop.

A service's composition root (`bootstrap`) builds the parts, real or fake, and hands them
here; this module knows how to run them, not what the service does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from typing import Any

import psycopg
from fastapi import APIRouter, FastAPI

from sagaline.core.http import app as web
from sagaline.core.http import auth
from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.core.observability.metrics import ServiceMetrics
from sagaline.core.outbox.relay import OutboxRelay
from sagaline.core.postgres import db, migrations
from sagaline.core.runtime.workers import Worker, Workers

log = logging.getLogger(__name__)


@dataclass
class Service:
    """A service ready to run. `relay` and `consumer` may be None in tests that drive the
    parts by hand; `app` serves HTTP and starts the workers while it runs."""

    name: str
    dsn: str
    migrations: Sequence[tuple[str, Traversable]]
    routers: Sequence[APIRouter]
    checks: Sequence[web.ReadyCheck]
    max_body_bytes: int
    relay: OutboxRelay | None = None
    consumer: ConsumerLoop | None = None
    extra_workers: dict[str, Worker] = field(default_factory=dict)
    on_start: list[Callable[[], Any]] = field(default_factory=list)  # after migrations
    on_close: list[Callable[[], Any]] = field(default_factory=list)
    on_migrated: list[Callable[[psycopg.Connection], None]] = field(default_factory=list)
    metrics: ServiceMetrics | None = None  # None: no GET /metrics
    access: auth.Access = field(default_factory=auth.Access)  # the API keys it accepts
    asyncapi: Callable[[], Mapping[str, Any]] | None = None  # its event contract, if served

    def __post_init__(self) -> None:
        parts: dict[str, Worker] = dict(self.extra_workers)
        if self.relay is not None:
            parts["relay"] = self.relay
        if self.consumer is not None:
            parts["consumer"] = self.consumer
        self.workers = Workers({f"{self.name}-{k}": v for k, v in parts.items()})
        self.app: FastAPI = web.create_app(
            f"{self.name} service", self.routers, self.checks, self.max_body_bytes,
            lifespan=self.workers.lifespan, metrics=self.metrics, access=self.access,
            asyncapi=self.asyncapi)

    def migrate(self, wait_s: float = 60.0) -> list[str]:
        db.wait_for(self.dsn, wait_s)
        applied = migrations.migrate_dsn(self.dsn, self.migrations, self.on_migrated)
        for version in applied:
            log.info("%s: applied migration %s", self.name, version)
        for starter in self.on_start:
            starter()
        return applied

    def close(self) -> None:
        for closer in self.on_close:
            closer()

    def serve(self, host: str, port: int) -> None:
        """Migrate, then serve until SIGINT/SIGTERM; the workers run meanwhile."""
        import gc

        from sagaline.core.http.server import serve

        self.migrate()
        # What is loaded by now lives as long as the process: kept out of the cyclic
        # collector's full passes, they no longer stall every thread for ~20 ms (the ~70k
        # objects a service loads).
        gc.freeze()
        try:
            # log_config=None: uvicorn's own lines go to our handler (JSON too, if asked).
            serve(self.app, host, port, log_level="warning", log_config=None,
                  access_log=False, timeout_graceful_shutdown=10)
        finally:
            self.close()

"""HTTP metrics (requests by route and status, their duration) and the `GET /metrics` route."""

from __future__ import annotations

import time

from fastapi import APIRouter
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "<unmatched>"  # any path no route serves: one series, whatever the client sends
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # else OTHER
# Seconds; most requests of these services answer in a few ms.
HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._requests = Counter(
            "sagaline_http_requests", "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"], registry=registry)
        self._duration = Histogram(
            "sagaline_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route.",
            ["route"], buckets=HTTP_BUCKETS, registry=registry)
        self._counters: dict[tuple[str, str, int], Counter] = {}
        self._histograms: dict[str, Histogram] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = self._requests.labels(method, route, str(status))
        counter.inc()
        histogram = self._histograms.get(route)
        if histogram is None:
            histogram = self._histograms[route] = self._duration.labels(route)
        histogram.observe(seconds)


class RequestMetrics:
    """ASGI middleware: counts each HTTP request under its route's template (`/orders/{id}`),
    so the number of series stays bounded whatever paths clients ask for."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the app raises before it starts one

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = getattr(scope.get("route"), "path", UNMATCHED)
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            self.metrics.observe(method, route, status,
                                 time.perf_counter() - started)


def metrics_router(registry: CollectorRegistry) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus text format; a plain def, so collectors that query the database run
        in the thread pool, not on the event loop."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router

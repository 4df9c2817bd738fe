"""What every service's HTTP app shares: health and readiness, a body-size limit, who may
call it (see auth), and errors a person can read in one shape (see web_errors)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sagaline.core.http import api_docs, auth
from sagaline.core.http import errors as web_errors
from sagaline.core.http import ready as ready_checks
from sagaline.core.http.metrics import RequestMetrics, metrics_router
from sagaline.core.observability.metrics import ServiceMetrics

log = logging.getLogger(__name__)
ReadyCheck = Callable[[], str | None]  # returns None when fine, else what is wrong


class BodySizeLimit:
    """Refuses request bodies over `max_bytes` with 413, whether or not Content-Length is
    sent: the body is read (up to the limit) before the app sees it, then replayed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(self.max_bytes)(scope, receive, send)
            return
        buffered: list[Message] = []
        size, more = 0, True
        while more:
            message = await receive()
            buffered.append(message)
            size += len(message.get("body", b""))
            more = message.get("more_body", False) and message["type"] == "http.request"
            if size > self.max_bytes:
                await _too_large(self.max_bytes)(scope, receive, send)
                return

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"error": f"request body larger than {limit} bytes"}, status_code=413)


T = TypeVar("T")


def found(value: T | None, missing: str) -> T:
    """`value`, or a 404 saying what is `missing`."""
    if value is None:
        raise StarletteHTTPException(404, missing)
    return value


class Alive(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]


class NotReady(BaseModel):
    status: Literal["unavailable"]
    problems: list[str]  # what is wrong, e.g. the database or Kafka is unreachable


# An anonymous caller learns that something is wrong, not what: the problems name hosts and
# carry driver error text. Operators read them in the log, or with an admin key.
NOT_SAYING = "details in the service log, or with an admin key (X-API-Key)"
def health_router(checks: Sequence[ReadyCheck]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health")
    def health() -> Alive:
        """Alive: the process answers."""
        return Alive(status="ok")

    bounded = [ready_checks.BoundedCheck(check) for check in checks]  # none may hang a probe
    logged: list[str] = []

    @router.get("/ready", response_model=Ready, openapi_extra={"security": [{}]}, responses={
        503: {"model": NotReady, "description": "Its database or Kafka is unreachable, or "
                                                "its consumer is not working; what exactly "
                                                "only with an admin key."}})
    def ready(request: Request, key: auth.Presented = None) -> JSONResponse:
        """Ready: its database and Kafka are reachable and its consumer works."""
        problems = ready_checks.problems(bounded)
        if problems != logged:  # each change once, not every probe
            log.warning("not ready: %s", "; ".join(problems) or "recovered")
            logged[:] = problems
        if problems:
            shown = problems if auth.access_of(request).is_admin(key) else [NOT_SAYING]
            return JSONResponse(NotReady(status="unavailable", problems=shown).model_dump(), 503)
        return JSONResponse(Ready(status="ready").model_dump())

    return router


def create_app(title: str, routers: Sequence[APIRouter], checks: Sequence[ReadyCheck],
               max_body_bytes: int, lifespan: Any = None,
               metrics: ServiceMetrics | None = None,
               access: auth.Access | None = None,
               asyncapi: Callable[[], Mapping[str, Any]] | None = None) -> FastAPI:
    """`/docs` and `/redoc` load their scripts and styles from this server (fastapi-offline
    ships them), so they render on a machine without internet. With `metrics`: `/metrics`,
    and every request counted. `access`: the keys it accepts; when `access.required`, every
    route of `routers` needs one (health, metrics and the API documents never do: probes and
    scrapers carry no key). With `asyncapi` (made on the first request): `/asyncapi.json`."""
    access = access or auth.Access()
    app = FastAPIOffline(title=title, lifespan=lifespan, redoc_url=None)
    api_docs.add_redoc(app)
    if asyncapi is not None:
        api_docs.add_asyncapi(app, asyncapi)
    app.state.access = access
    web_errors.install(app)
    app.include_router(health_router(checks))
    guarded: dict[str, Any] = dict(dependencies=[auth.CLIENT],
                                   responses=web_errors.documented(401))
    for router in routers:
        app.include_router(router, **(guarded if access.required else {}))
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    if metrics is not None:
        app.include_router(metrics_router(metrics.registry))
        app.add_middleware(RequestMetrics, metrics=metrics.http)  # outermost: counts all
    return app

"""What every service's HTTP app shares: health and readiness, a body-size limit, and errors
a person can read (400 malformed JSON, 413 too large, 422 invalid fields) in one shape:
`{"error": "...", "details": [...]}`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def _describe(error: dict[str, Any]) -> dict[str, Any]:
    where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
    return {"field": where or "(body)", "problem": error.get("msg", "invalid")}


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return JSONResponse({"error": "request body is not valid JSON",
                             "details": [_describe(e) for e in errors]}, status_code=400)
    return JSONResponse({"error": "request is invalid",
                         "details": [_describe(e) for e in errors]}, status_code=422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
    # The database is down or overloaded: nothing was written; the client may retry (with
    # the same Idempotency-Key, where the route takes one).
    return JSONResponse({"error": f"service unavailable: {type(exc).__name__}"},
                        status_code=503, headers={"Retry-After": "1"})


async def _unstorable(_request: Request, exc: Exception) -> JSONResponse:
    # A value the database refuses (class 22: a NUL character, a number out of range) that
    # got past validation, e.g. in a path: the client's data, not our failure; nothing was
    # written.
    return JSONResponse({"error": f"request holds a value the database cannot store: {exc}"},
                        status_code=422)


T = TypeVar("T")


def found(value: T | None, missing: str) -> T:
    """`value`, or a 404 saying what is `missing`."""
    if value is None:
        raise StarletteHTTPException(404, missing)
    return value


def health_router(checks: Sequence[ReadyCheck]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health")
    def health() -> dict[str, str]:
        """Alive: the process answers."""
        return {"status": "ok"}

    @router.get("/ready")
    def ready() -> JSONResponse:
        """Ready: its database and Kafka are reachable."""
        problems = [p for p in (check() for check in checks) if p]
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems}, 503)
        return JSONResponse({"status": "ready"})

    return router


def create_app(title: str, routers: Sequence[APIRouter], checks: Sequence[ReadyCheck],
               max_body_bytes: int, lifespan: Any = None) -> FastAPI:
    app = FastAPI(title=title, lifespan=lifespan)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for unavailable in (psycopg.OperationalError, PoolTimeout):
        app.add_exception_handler(unavailable, _unavailable)
    app.add_exception_handler(psycopg.DataError, _unstorable)
    app.include_router(health_router(checks))
    for router in routers:
        app.include_router(router)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    return app

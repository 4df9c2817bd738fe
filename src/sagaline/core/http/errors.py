"""Errors a person can read, in one shape (`{"error": "...", "details": [...]}`), and their
documentation: `documented(...)` gives the OpenAPI `responses` of a route, so that what a
route can answer and what its schema says are written in one place."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from sagaline.core.messaging.retry import is_transient
from sagaline.core.postgres.db import CommitOutcomeUnknown

log = logging.getLogger(__name__)


class Problem(BaseModel):
    field: str  # dotted path in the request, e.g. `items.0.quantity`; `(body)` for the whole
    problem: str


class ErrorBody(BaseModel):
    error: str
    details: list[Problem] = []  # present for 400 and 422: which fields, and what is wrong


_MEANINGS = {
    400: "The body is not valid JSON (or not UTF-8). Nothing was written.",
    401: "No API key, or an unknown one, in the X-API-Key header. Nothing was written.",
    403: "The API key may not call this route (an admin key is needed). Nothing was written.",
    404: "Not found.",
    409: "Conflicts with the current state. Nothing was written.",
    413: "The body is larger than the service accepts (MAX_BODY_BYTES). Nothing was written.",
    422: "A parameter or field is invalid; `details` names each. Nothing was written.",
    500: "An internal error, or a write whose outcome is unknown (the database connection "
         "was lost during COMMIT): read back before retrying.",
    503: "The database is unavailable or overloaded. Nothing was written: retry after "
         "`Retry-After` seconds (with the same Idempotency-Key, where the route takes one).",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
_CHALLENGE = {"WWW-Authenticate": {"description": "How to authenticate (`APIKey`).",
                                   "required": True, "schema": {"type": "string"}}}
_HEADERS = {401: _CHALLENGE, 503: _RETRY_AFTER}


def documented(*codes: int, notes: Mapping[int, str] | None = None) -> dict[int | str, Any]:
    """The OpenAPI `responses` for these error statuses; `notes` overrides a description."""
    notes = notes or {}
    return {code: {"model": ErrorBody, "description": notes.get(code, _MEANINGS[code]),
                   **({"headers": _HEADERS[code]} if code in _HEADERS else {})}
            for code in codes}


def _describe(error: Mapping[str, Any]) -> Problem:
    where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
    return Problem(field=where or "(body)", problem=error.get("msg", "invalid"))


def _answer(status: int, error: str, details: list[Problem] | None = None,
            headers: Mapping[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": error}
    if details is not None:
        body["details"] = [d.model_dump() for d in details]
    return JSONResponse(body, status, headers)


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    details = [_describe(e) for e in errors]
    if any(e.get("type") == "json_invalid" for e in errors):
        return _answer(400, "request body is not valid JSON", details)
    return _answer(422, "request is invalid", details)


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    # Starlette's 405 names the methods of the first route matching the path only; a path
    # served by several routes (GET and POST /stock/{sku}) supports all of theirs: those
    # for which routing finds a full match.
    routes = request.app.router.routes
    return ", ".join(m for m in _METHODS if any(
        route.matches({**request.scope, "method": m})[0] == Match.FULL for route in routes))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return _answer(exc.status_code, str(exc.detail), headers=headers)


async def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
    # The database is down or overloaded: nothing was written; the client may retry.
    return _answer(503, f"service unavailable: {type(exc).__name__}",
                   headers={"Retry-After": "1"})


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    # What core.retry calls transient (unreachable, busy, read-only after a failover, not
    # deployed yet) is a 503, as for the consumers' back-off; anything else is our bug.
    if is_transient(exc):
        return await _unavailable(request, exc)
    log.error("%s %s: database error", request.method, request.url.path, exc_info=exc)
    return _answer(500, "internal error: the database refused the request")


async def _outcome_unknown(_request: Request, _exc: Exception) -> JSONResponse:
    # Routes that can look their write up answer before this; a retry could do it twice.
    return _answer(500, "outcome unknown: the database connection was lost during COMMIT; "
                        "the request may have been written: read it back before any retry")


async def _unstorable(_request: Request, exc: Exception) -> JSONResponse:
    # A value the database refuses (class 22) that got past validation: the client's data,
    # not our failure; nothing was written. Validation should catch these first.
    return _answer(422, f"request holds a value the database cannot store: {exc}")


def install(app: FastAPI) -> None:
    """Answer every error of `app` in the one documented shape."""
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Starlette picks the handler of the nearest class in the error's MRO.
    app.add_exception_handler(PoolTimeout, _unavailable)
    app.add_exception_handler(psycopg.Error, _database_error)
    app.add_exception_handler(CommitOutcomeUnknown, _outcome_unknown)
    app.add_exception_handler(psycopg.DataError, _unstorable)

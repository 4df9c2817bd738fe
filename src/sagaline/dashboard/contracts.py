"""The saga's event contract on the dashboard: its whole AsyncAPI document at
GET /api/asyncapi.json, and /contracts, a page that draws it with the AsyncAPI React
component's standalone bundle, vendored under static/vendor/asyncapi-react (no CDN).

The page's Content-Security-Policy lets it load nothing from another origin, whatever the
bundle would try. Its one loosening is `'unsafe-eval'`: the bundle parses and validates the
document in the browser with @asyncapi/parser, whose JSON Schema validator (Ajv) compiles each
schema into a function with `new Function`; without it the page draws only an error."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response

from sagaline.contracts import asyncapi
from sagaline.core.saga import Saga

PAGE = Path(__file__).parent / "static" / "contracts.html"
CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self' 'unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])


def add_contracts(app: FastAPI, saga: Saga) -> None:
    # Rendered once: the declaration does not change while the dashboard runs.
    body = cache(lambda: JSONResponse(asyncapi.document(saga)).body)

    @app.get("/api/asyncapi.json")
    def asyncapi_document() -> Response:
        """The whole saga's AsyncAPI 3.0 document (each service serves its own part)."""
        return Response(body(), media_type="application/json")

    @app.get("/contracts", include_in_schema=False)
    def contracts_page() -> FileResponse:
        return FileResponse(PAGE, headers={"Content-Security-Policy": CSP})

"""ReDoc at /redoc, served entirely by the service (Swagger UI at /docs comes ready from
fastapi-offline). fastapi-offline ships ReDoc's standalone bundle, but that bundle draws the
"API docs by Redocly" logo from cdn.redoc.ly: the one request it makes off the service's
origin, which fails on an air-gapped machine. Served from here, the bundle draws an empty
inline image instead.

GET /asyncapi.json: the service's event contract (its part of the saga's AsyncAPI document),
as /openapi.json is its HTTP one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html
from starlette.responses import HTMLResponse, JSONResponse, Response

BUNDLE = "/redoc-assets/redoc.standalone.js"
CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
NO_LOGO = "data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'/%3E"


@cache
def redoc_bundle() -> bytes:
    """fastapi-offline's ReDoc bundle, without its request to the CDN."""
    text = (files("fastapi_offline") / "static" / "redoc.standalone.js").read_text("utf-8")
    return text.replace(CDN_LOGO, NO_LOGO).encode()


def add_redoc(app: FastAPI, favicon_url: str = "/static-offline-docs/favicon.png") -> None:
    @app.get(BUNDLE, include_in_schema=False)
    def redoc_js() -> Response:
        return Response(redoc_bundle(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(openapi_url=f"{root}{app.openapi_url}",
                              title=f"{app.title} - ReDoc", redoc_js_url=f"{root}{BUNDLE}",
                              redoc_favicon_url=f"{root}{favicon_url}",
                              with_google_fonts=False)


def add_asyncapi(app: FastAPI, make: Callable[[], Mapping[str, Any]]) -> None:
    """`make`'s document at /asyncapi.json, rendered once (the declaration does not change),
    out of the OpenAPI document like /openapi.json."""
    body = cache(lambda: JSONResponse(make()).body)

    @app.get("/asyncapi.json", include_in_schema=False)
    def asyncapi() -> Response:
        return Response(body(), media_type="application/json")

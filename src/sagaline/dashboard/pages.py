"""The dashboard's pages besides the overview: each is a static file whose script reads the
API (so every value is set as text, never as HTML); the saga page takes its id from its
path."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).parent / "static"
PAGES = {"/search": "search.html", "/dead-letters": "dead_letters.html",
         "/operator-log": "operator_log.html", "/audit": "audit.html"}


def pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def serve(name: str) -> FileResponse:
        return FileResponse(STATIC / name)

    for path, name in PAGES.items():
        router.add_api_route(path, lambda name=name: serve(name), methods=["GET"])

    @router.get("/saga/{saga_id}")
    def saga_page(saga_id: uuid.UUID) -> FileResponse:
        return serve("saga.html")

    return router

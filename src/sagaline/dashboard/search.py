"""GET /api/search: the saga records by id (or its start), user, status, reason and time
placed, a page at a time (`next` is the cursor of the page after); /api/search/export
gives every match (up to EXPORT_CAP) as CSV or JSON. Reading only, like the rest."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from sagaline.core.saga import Saga
from sagaline.dashboard import search_queries
from sagaline.dashboard.oplog_reads import AsFormat, Format, export
from sagaline.dashboard.search_queries import BadSearch, Search
from sagaline.dashboard.sources import Databases, Unavailable

EXPORT_CAP = 10_000
PAGE_MAX = 200
FIELDS = ["saga_id", "user_id", "total_amount", "status", "reason", "created_at",
          "updated_at", "finished_at"]


def _terms(id: str = "", user: str = "", status: str = "", reason: str = "",
           since: float | None = None, until: float | None = None) -> Search:
    """The query's terms (at module level: FastAPI reads the annotations by name)."""
    return Search(id.strip(), user, status, reason, since, until)


Terms = Annotated[Search, Depends(_terms)]


def search_router(dbs: Databases, topology: Saga) -> APIRouter:
    router = APIRouter(prefix="/api/search")

    def read(search: Search, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        statuses = topology.statuses.statuses
        if search.status and search.status not in statuses:
            raise HTTPException(422, f"unknown status {search.status!r}; one of "
                                f"{[str(s) for s in statuses]}")
        try:
            with dbs.read(topology.owner) as conn:
                return search_queries.page(conn, search, limit)
        except BadSearch as err:
            raise HTTPException(422, str(err)) from None
        except Unavailable as err:
            raise HTTPException(503, str(err)) from None

    @router.get("")
    def searched(search: Terms, after: str = "",
                 limit: int = Query(50, ge=1, le=PAGE_MAX)) -> dict[str, Any]:
        rows, cursor = read(Search(**{**vars(search), "after": after}), limit)
        return {"rows": rows, "next": cursor}

    @router.get("/export")
    def exported(search: Terms, fmt: AsFormat = Format.csv) -> Response:
        rows: list[dict[str, Any]] = []
        cursor: str | None = ""
        while cursor is not None and len(rows) < EXPORT_CAP:
            found, cursor = read(Search(**{**vars(search), "after": cursor}),
                                 min(PAGE_MAX * 5, EXPORT_CAP - len(rows)))
            rows += found
        return export(rows, fmt, "sagas", FIELDS)

    return router


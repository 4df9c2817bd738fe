"""The operator log on the page: every service's entries (the same table `sagaline log`
reads), newest first, for one saga or all, and their export as CSV or JSON."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from sagaline.core.operator_log import Entry, SqlOperatorLog, newest_first
from sagaline.core.saga import Saga
from sagaline.dashboard.sources import Databases
from sagaline.ops.oplog_export import as_csv

LIMIT_MAX = 10_000


class Format(StrEnum):
    csv = "csv"
    json = "json"


AsFormat = Annotated[Format, Query(alias="format")]


def entries(dbs: Databases, topology: Saga, saga_id: str | None, limit: int) -> list[Entry]:
    logs = []
    for name in topology.names:
        with dbs.read(name) as conn:
            logs.append(SqlOperatorLog(conn, name).entries(saga_id, limit))
    return newest_first(logs, limit)


def export(rows: list[dict[str, Any]], fmt: Format, name: str,
           fields: list[str] | None = None) -> Response:
    """A download: CSV (of `fields`, the log's by default) or JSON, never shown by the
    browser as a page."""
    if fmt is Format.csv:
        body, kind = as_csv(rows, fields).encode(), "text/csv; charset=utf-8"
    else:
        body, kind = orjson.dumps(rows, option=orjson.OPT_INDENT_2), "application/json"
    return Response(body, media_type=kind, headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt.value}"',
        "X-Content-Type-Options": "nosniff"})


def oplog_router(dbs: Databases, topology: Saga) -> APIRouter:
    router = APIRouter(prefix="/api/operator-log")

    @router.get("")
    def listed(saga: uuid.UUID | None = None,
               limit: int = Query(100, ge=1, le=LIMIT_MAX)) -> list[dict[str, Any]]:
        return [e.as_row() for e in entries(dbs, topology, str(saga) if saga else None, limit)]

    @router.get("/export")
    def exported(fmt: AsFormat = Format.csv, saga: uuid.UUID | None = None,
                 limit: int = Query(LIMIT_MAX, ge=1, le=LIMIT_MAX)) -> Response:
        rows = [e.as_row() for e in entries(dbs, topology, str(saga) if saga else None, limit)]
        return export(rows, fmt, "operator-log")

    return router

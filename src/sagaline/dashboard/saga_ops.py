"""One saga as an operator sees it on its page, its cancel and its retry. What it waits on and the
steps still ahead come from the declaration (`SagaState.of`, as `sagaline saga show`);
what operators did, from every service's operator log. The cancel is `saga_actions.cancel`
(the owner's own path, as `sagaline saga cancel`): the owner writes the log entry in the
transaction that cancels, with the session's operator name and the reason given. The retry
is `saga_actions.retry` (as `sagaline saga retry`): the waiting step's event sent again."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from sagaline.core.saga import Saga
from sagaline.dashboard import order_queries
from sagaline.dashboard.forms import read_form
from sagaline.dashboard.oplog_reads import entries
from sagaline.dashboard.session import Sessions, acting
from sagaline.dashboard.sources import Databases, Unavailable, service_url
from sagaline.ops import saga_actions
from sagaline.settings import DashboardSettings

REASON_CHARS = 500


def saga_ops_router(settings: DashboardSettings, topology: Saga, dbs: Databases,
                    sessions: Sessions) -> APIRouter:
    router = APIRouter(prefix="/api/sagas/{saga_id}")

    @router.get("/operations")
    def operations(saga_id: uuid.UUID) -> dict[str, Any]:
        """Its status, what it waits on, the steps ahead, whether it can be cancelled, and
        the operator log's entries for it (newest first)."""
        try:
            with dbs.read(topology.owner) as conn:
                record = order_queries.one(conn, str(saga_id))
            if record is None:
                raise HTTPException(404, f"no saga {saga_id}")
            log = [e.as_row() for e in entries(dbs, topology, str(saga_id), 100)]
        except Unavailable as err:
            raise HTTPException(503, str(err)) from None
        state = saga_actions.SagaState.of(topology, record)
        final = record["status"] in topology.statuses.final
        return {"status": record["status"], "waitingOn": state.waiting_on,
                "remaining": state.remaining, "final": final,
                "cancellable": not final and topology.start.cancel_path is not None,
                "retryable": saga_actions.awaited_topic(topology, record["status"]),
                "operatorLog": log}

    @router.post("/cancel")
    async def cancel(saga_id: uuid.UUID, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        session = acting(request, sessions, form.one("csrf"))
        reason = form.one("reason").strip()[:REASON_CHARS]
        if not reason:
            raise HTTPException(422, "a cancel needs a reason")
        owner = service_url(settings, topology, topology.owner)
        try:
            return await run_in_threadpool(saga_actions.cancel, topology, settings,
                                           str(saga_id), session.operator, reason, owner)
        except saga_actions.Refused as err:
            raise HTTPException(409, f"refused: {err}") from None
        except httpx.HTTPError as err:
            raise HTTPException(502, f"cannot reach {topology.owner}: {err}") from None

    @router.post("/retry")
    async def retry(saga_id: uuid.UUID, request: Request) -> dict[str, Any]:
        """Send again the event the step it waits on needs (as `sagaline saga retry`)."""
        form = await read_form(request)
        session = acting(request, sessions, form.one("csrf"))
        reason = form.one("reason").strip()[:REASON_CHARS]
        if not reason:
            raise HTTPException(422, "a retry needs a reason")
        try:
            return await run_in_threadpool(
                saga_actions.retry, topology, settings, str(saga_id), session.operator, reason,
                lambda name: service_url(settings, topology, name))
        except (saga_actions.Refused, LookupError) as err:
            raise HTTPException(409, f"refused: {err}") from None
        except httpx.HTTPError as err:
            raise HTTPException(502, f"cannot reach a service: {err}") from None

    return router

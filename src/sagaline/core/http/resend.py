"""`POST /admin/resend` on every service (admin key): an operator's retry of a saga's step,
by the event this service wrote for it (`core.outbox.resend`). The refusal is logged too."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints

from sagaline.core.http import auth
from sagaline.core.http.errors import documented
from sagaline.core.operator_log import Entry
from sagaline.core.outbox.resend import ACTION, ResendRefused, resend
from sagaline.core.postgres.unit_of_work import UnitOfWork

Short = Annotated[StrictStr, StringConstraints(min_length=1, max_length=249,
                                               pattern=r"^[^\x00]*$")]


class ResendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Short  # the saga's id: the events' Kafka key
    topic: Short
    operator: Short
    reason: Annotated[StrictStr, StringConstraints(min_length=1, max_length=500,
                                                   pattern=r"^[^\x00]*$")]


class Resent(BaseModel):
    eventId: uuid.UUID
    topic: str


def routes(unit_of_work: Callable[[], UnitOfWork], inbox_retention_s: float) -> APIRouter:
    router = APIRouter(tags=["operator"])

    @router.post("/admin/resend", operation_id="resend_event", dependencies=[auth.ADMIN],
                 responses=documented(400, 401, 403, 404, 409, 413, 422, 500, 503, notes={
                     404: "This service's outbox holds no such event (any more).",
                     409: "Not published yet, or older than the inbox remembers.",
                     500: "The outcome is unknown (the connection was lost during COMMIT): "
                          "`sagaline log --id KEY` tells whether it was sent again."}))
    def resend_event(request: ResendRequest) -> Resent:
        """Send again the event this service wrote on `topic` for saga `key`, with its own
        event id (consumers that handled it skip it). Logged in the operator log."""
        try:
            with unit_of_work() as uow:
                event_id = resend(uow, request.key, request.topic, inbox_retention_s,
                                  request.operator, request.reason)
        except ResendRefused as refused:
            with unit_of_work() as uow:
                uow.log_action(Entry(request.operator, ACTION, request.reason,
                                     f"refused: {refused}", (request.key,)))
                uow.commit()
            raise HTTPException(refused.status, str(refused)) from None
        return Resent(eventId=event_id, topic=request.topic)

    return router

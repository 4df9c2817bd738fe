"""Order's HTTP routes: place an order (the seed's `POST /orders`), read orders, and an
operator's cancel (admin)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query
from opentelemetry.trace import SpanKind
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    StringConstraints,
    WithJsonSchema,
)

from sagaline.core.http import auth
from sagaline.core.http.app import found
from sagaline.core.http.errors import documented
from sagaline.core.observability import tracing
from sagaline.core.postgres.db import CommitOutcomeUnknown
from sagaline.core.postgres.group_commit import GroupCommit
from sagaline.core.status_machine import StatusMachine
from sagaline.seed_saga import events
from sagaline.seed_saga.order.cancel import CancelOrder, CannotCancel, cancel_order, log_refusal
from sagaline.seed_saga.order.handlers import (
    IdempotencyConflict,
    PlaceOrder,
    place_order,
)
from sagaline.seed_saga.order.repository import Order, OrderUnitOfWork


def _json_number(value: Any) -> Any:
    # Amounts must be JSON numbers: no strings, no booleans (which Python counts as ints).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    return Decimal(str(value))


class OrderRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    userId: Annotated[StrictStr, StringConstraints(min_length=1, max_length=200), events.Storable]
    totalAmount: Annotated[events.Money, BeforeValidator(_json_number)]
    items: Annotated[list[events.Item], Field(max_length=100)] = []


class OrderAccepted(BaseModel):
    orderId: uuid.UUID
    status: Literal["PENDING"]


class OrderView(BaseModel):
    orderId: uuid.UUID
    userId: str
    status: str  # one of the saga's statuses (GET /orders?status= lists them)
    reason: str | None
    totalAmount: Annotated[events.Amount, WithJsonSchema({"type": "number"})]
    items: list[events.Item]
    createdAt: datetime | None
    updatedAt: datetime | None
    finishedAt: datetime | None

    @classmethod
    def of(cls, order: Order) -> OrderView:
        return cls(orderId=order.order_id, userId=order.user_id, status=order.status,
                   reason=order.reason, totalAmount=order.total_amount, items=order.items,
                   createdAt=order.created_at, updatedAt=order.updated_at,
                   finishedAt=order.finished_at)


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operator: Annotated[StrictStr, StringConstraints(min_length=1, max_length=100),
                        events.Storable]
    reason: Annotated[StrictStr, StringConstraints(min_length=1, max_length=500),
                      events.Storable]


# Optional headers and queries: absent, never null (which the default schema would allow).
_SHORT_TEXT = WithJsonSchema({"type": "string", "maxLength": 200})
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=200,
    description="Retrying with the same key returns the same order; with a different request, "
                "409."), _SHORT_TEXT]
TraceParent = Annotated[str | None, Header(
    max_length=200, description="W3C trace context, carried on the saga's events."), _SHORT_TEXT]
_HTTP_ATTRIBUTES = {"http.request.method": "POST", "http.route": "/orders"}
# Placing an order writes it and its event; a link leads to reading it back.
_READ_IT = {"GetOrder": {"operationId": "get_order",
                         "parameters": {"order_id": "$response.body#/orderId"}}}


def _status_filter(statuses: StatusMachine) -> Any:
    """The `status` query: one of the saga's statuses (its table's), or absent."""
    return Annotated[Literal[statuses.statuses] | None,
                     Query(description="Only orders in this status.")]


def routes(unit_of_work: Callable[[], OrderUnitOfWork], statuses: StatusMachine) -> APIRouter:
    router = APIRouter(tags=["order"], responses=documented(422, 503))
    placing = GroupCommit(place_order, unit_of_work)

    @router.post("/orders", status_code=201, operation_id="create_order",
                 responses={201: {"description": "The order is placed; its saga runs.",
                                  "links": _READ_IT},
                            **documented(400, 409, 413, 500, notes={
                                409: "The Idempotency-Key was used for a different request.",
                                500: "The outcome is unknown (the database connection was "
                                     "lost during COMMIT, and the server did not say in time "
                                     "whether it committed): `error` names the order id; "
                                     "read it back before any retry."})})
    async def create_order(request: OrderRequest, idempotency_key: IdempotencyKey = None,
                           traceparent: TraceParent = None) -> OrderAccepted:
        """Start a saga. The same `Idempotency-Key` returns the same order, never a second.
        Orders placed at the same moment share a transaction (see core.group_commit)."""
        with tracing.span("POST /orders", traceparent, SpanKind.SERVER, _HTTP_ATTRIBUTES):
            # The order is written on the group commit's thread: the span goes explicitly.
            command = PlaceOrder(request.userId, request.totalAmount, tuple(request.items),
                                 idempotency_key, tracing.current_traceparent(traceparent))
            try:
                order = await placing.submit(command)
            except IdempotencyConflict:
                raise HTTPException(
                    409, "Idempotency-Key was already used for a different request") from None
            except CommitOutcomeUnknown:
                raise HTTPException(
                    500, f"outcome unknown: order {command.order_id} may have been written; "
                    f"GET /orders/{command.order_id} tells, before any retry") from None
        return OrderAccepted(orderId=order.order_id, status=PlaceOrder.first_status)

    @router.get("/orders/{order_id}", operation_id="get_order",
                responses=documented(404, notes={404: "No such order."}))
    def get_order(order_id: uuid.UUID) -> OrderView:
        with unit_of_work() as uow:
            order = uow.orders.get(order_id)
        order = found(order, f"no order {order_id}")
        return OrderView.of(order)

    def list_orders(status: str | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[OrderView]:
        """The newest orders, optionally only those in one status."""
        with unit_of_work() as uow:
            return [OrderView.of(o) for o in uow.orders.newest(status, limit)]

    @router.post("/orders/{order_id}/cancel", operation_id="cancel_order",
                 dependencies=[auth.ADMIN], responses=documented(
                     400, 401, 403, 404, 409, 413, 500, notes={
                     404: "No such order.",
                     409: "The order is final: nothing to cancel (the refusal is logged).",
                     500: "The outcome is unknown (the connection was lost during COMMIT): "
                          "read the order back."}))
    def cancel(order_id: uuid.UUID, request: CancelRequest) -> OrderView:
        """An operator cancels an order that is not final (admin key): its compensations run
        as after a missed deadline, with the reason OPERATOR_CANCELLED; the operator's words
        are kept in the operator log."""
        command = CancelOrder(order_id, request.operator, request.reason)
        try:
            with unit_of_work() as uow:
                return OrderView.of(cancel_order(command, uow, statuses))
        except LookupError as err:
            raise HTTPException(404, str(err)) from None
        except CannotCancel as err:
            with unit_of_work() as uow:
                log_refusal(command, str(err), uow)
            raise HTTPException(409, str(err)) from None

    # The saga's statuses are known only now: the annotation is set before FastAPI reads it.
    list_orders.__annotations__["status"] = _status_filter(statuses)
    router.get("/orders", operation_id="list_orders")(list_orders)
    return router

"""Inventory's HTTP routes: read a reservation and a SKU's stock; add stock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from sagaline.core.http import auth
from sagaline.core.http.app import found
from sagaline.core.http.errors import documented
from sagaline.core.postgres.db import CommitOutcomeUnknown
from sagaline.seed_saga.events import Item, JsonInteger, Sku
from sagaline.seed_saga.inventory.repository import InventoryUnitOfWork, StockLevel
from sagaline.seed_saga.inventory.status import ReservationStatus

MAX_STOCK = 2**31 - 1  # the stock columns are PostgreSQL integers
# Adding stock answers the SKU's level; a link leads to reading it back.
_READ_IT = {"GetStock": {"operationId": "get_stock", "parameters": {"sku": "$response.body#/sku"}}}


class ReservationView(BaseModel):
    orderId: uuid.UUID
    status: ReservationStatus
    reason: str | None
    items: list[Item]
    createdAt: datetime | None
    releasedAt: datetime | None


class StockView(BaseModel):
    sku: str
    initial: Annotated[int, Field(ge=0, le=MAX_STOCK)]  # units ever added
    onHand: Annotated[int, Field(ge=0, le=MAX_STOCK)]  # units not reserved

    @classmethod
    def of(cls, level: StockLevel) -> StockView:
        return cls(sku=level.sku, initial=level.initial, onHand=level.on_hand)


class Restock(BaseModel):
    quantity: Annotated[int, Field(gt=0, le=1_000_000_000), JsonInteger]


def routes(unit_of_work: Callable[[], InventoryUnitOfWork]) -> APIRouter:
    router = APIRouter(tags=["inventory"], responses=documented(422, 503))

    @router.get("/reservations/{order_id}", operation_id="get_reservation",
                responses=documented(404, notes={404: "No reservation for this order (yet)."}))
    def get_reservation(order_id: uuid.UUID) -> ReservationView:
        with unit_of_work() as uow:
            held = found(uow.reservations.get(order_id), f"no reservation for order {order_id}")
        return ReservationView(orderId=held.order_id, status=held.status, reason=held.reason,
                               items=held.items, createdAt=held.created_at,
                               releasedAt=held.released_at)

    @router.get("/stock/{sku}", operation_id="get_stock",
                responses=documented(404, notes={404: "Unknown SKU."}))
    def get_stock(sku: Sku) -> StockView:
        with unit_of_work() as uow:
            level = uow.stock.get(sku)
        level = found(level, f"unknown SKU {sku}")
        return StockView.of(level)

    @router.post("/stock/{sku}", operation_id="add_stock", dependencies=[auth.ADMIN], responses={
        200: {"description": "The SKU's new level.", "links": _READ_IT},
        **documented(400, 401, 403, 409, 413, 500, notes={
            409: f"The SKU would hold more than {MAX_STOCK} units. Nothing was written.",
            500: "The outcome is unknown (the database connection was lost during COMMIT): "
                 "the units may have been added. Read the SKU back (its `initial` counts "
                 "every unit ever added) before any retry."})})
    def add_stock(sku: Sku, body: Restock) -> StockView:
        """Add units to a SKU (creating it if new). Needs an admin key (X-API-Key). Not
        idempotent: a 503 means nothing was written and may be retried; an unknown outcome
        is a 500, never a 503."""
        try:
            return StockView.of(_restock(unit_of_work, sku, body.quantity))
        except CommitOutcomeUnknown:
            raise HTTPException(500, f"outcome unknown: the units may have been added to "
                                f"{sku}; read GET /stock/{sku} before any retry") from None

    return router


def _restock(unit_of_work: Callable[[], InventoryUnitOfWork], sku: str,
             quantity: int) -> StockLevel:
    with unit_of_work() as uow:
        uow.stock.lock([sku])  # so that the check below holds until the commit
        level = uow.stock.get(sku)
        if level is not None and level.initial + quantity > MAX_STOCK:
            raise HTTPException(409, f"SKU {sku} would hold more than {MAX_STOCK} units")
        level = uow.stock.restock(sku, quantity)
        uow.commit()
    return level

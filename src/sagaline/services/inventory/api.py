"""Inventory's HTTP routes: read a reservation and a SKU's stock; add stock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictInt

from sagaline.core.web import found
from sagaline.services.inventory.repository import InventoryUnitOfWork, StockLevel
from sagaline.services.inventory.status import ReservationStatus


class ReservationView(BaseModel):
    orderId: uuid.UUID
    status: ReservationStatus
    reason: str | None
    items: list[dict[str, Any]]
    createdAt: datetime | None
    releasedAt: datetime | None


class StockView(BaseModel):
    sku: str
    initial: int
    onHand: int

    @classmethod
    def of(cls, level: StockLevel) -> StockView:
        return cls(sku=level.sku, initial=level.initial, onHand=level.on_hand)


class Restock(BaseModel):
    quantity: Annotated[StrictInt, Field(gt=0, le=1_000_000_000)]


def routes(unit_of_work: Callable[[], InventoryUnitOfWork]) -> APIRouter:
    router = APIRouter(tags=["inventory"])

    @router.get("/reservations/{order_id}",
                responses={404: {"description": "no such reservation"}})
    def get_reservation(order_id: uuid.UUID) -> ReservationView:
        with unit_of_work() as uow:
            held = found(uow.reservations.get(order_id), f"no reservation for order {order_id}")
        return ReservationView(orderId=held.order_id, status=held.status, reason=held.reason,
                               items=held.items, createdAt=held.created_at,
                               releasedAt=held.released_at)

    @router.get("/stock/{sku}", responses={404: {"description": "unknown SKU"}})
    def get_stock(sku: str) -> StockView:
        with unit_of_work() as uow:
            level = uow.stock.get(sku)
        level = found(level, f"unknown SKU {sku}")
        return StockView.of(level)

    @router.post("/stock/{sku}")
    def add_stock(sku: Annotated[str, Field(min_length=1, max_length=64)],
                  body: Restock) -> StockView:
        """Add units to a SKU (creating it if new)."""
        with unit_of_work() as uow:
            level = uow.stock.restock(sku, body.quantity)
            uow.commit()
        return StockView.of(level)

    return router

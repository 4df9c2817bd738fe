"""Shipping's HTTP routes: read an order's shipment."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from sagaline.core.http.app import found
from sagaline.core.http.errors import documented
from shipping.repository import ShippingUnitOfWork


class ShipmentView(BaseModel):
    orderId: uuid.UUID
    status: str
    reason: str | None
    day: str | None
    createdAt: datetime | None


def routes(unit_of_work: Callable[[], ShippingUnitOfWork]) -> APIRouter:
    router = APIRouter(tags=["shipping"], responses=documented(422, 503))

    @router.get("/shipments/{order_id}", operation_id="get_shipment",
                responses=documented(404, notes={404: "No shipment for this order (yet)."}))
    def get_shipment(order_id: uuid.UUID) -> ShipmentView:
        with unit_of_work() as uow:
            shipment = found(uow.shipments.get(order_id), f"no shipment for order {order_id}")
        return ShipmentView(orderId=shipment.saga_id, status=shipment.status,
                            reason=shipment.reason, day=shipment.data.get("day"),
                            createdAt=shipment.created_at)

    return router

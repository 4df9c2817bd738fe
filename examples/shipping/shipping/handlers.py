"""Shipping's handlers: schedule a parcel for a reserved order, or refuse it (the carrier's
day is full), which makes payment refund and inventory release; cancel or void it when the
order is cancelled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.postgres.records import Record
from sagaline.seed_saga import events, ids, topics
from shipping.events import SHIPPING_FAILED, SHIPPING_SCHEDULED, ShippingFailed, ShippingScheduled
from shipping.repository import CANCELLED, FAILED, SCHEDULED, VOIDED, ShippingUnitOfWork

NO_CAPACITY = "NO_CAPACITY"


@dataclass(frozen=True)
class Carrier:
    daily_capacity: int  # parcels the carrier takes per day


def schedule_for_reserved_order(event: Envelope, uow: ShippingUnitOfWork,
                                carrier: Carrier) -> None:
    reserved = topics.INVENTORY_RESERVED.parse(event)
    order_id = ids.order_id(reserved.orderId)  # before any effect: a bad id is given up
    if uow.shipments.get(order_id) is not None:  # decided already, or cancelled first
        return
    day = dt.datetime.now(dt.UTC).date()
    if not uow.capacity.book(day, carrier.daily_capacity):
        refuse_shipment(event, uow, NO_CAPACITY)
        return
    uow.shipments.add(Record(order_id, SCHEDULED, data={"day": day.isoformat()}))
    scheduled = ShippingScheduled(orderId=str(order_id), day=day.isoformat())
    uow.emit(event.follow(SHIPPING_SCHEDULED, events.payload(scheduled)))


def refuse_shipment(event: Envelope, uow: ShippingUnitOfWork, reason: str) -> None:
    """Refuse to ship a reserved order (a full day, or an injected failure): FAILED with
    `reason`; payment refunds and inventory releases on `shipping.failed`."""
    order_id = ids.order_id(topics.INVENTORY_RESERVED.parse(event).orderId)
    if uow.shipments.get(order_id) is not None:
        return
    uow.shipments.add(Record(order_id, FAILED, reason))
    failed = ShippingFailed(orderId=str(order_id), reason=reason)
    uow.emit(event.follow(SHIPPING_FAILED, events.payload(failed)))


def cancel_for_order(event: Envelope, uow: ShippingUnitOfWork) -> None:
    """The order was cancelled (timed out): cancel the parcel and give its place back, or
    make sure none is scheduled later."""
    cancelled = topics.ORDER_CANCELLED.parse(event)
    order_id = ids.order_id(cancelled.orderId)
    shipment = uow.shipments.get(order_id, for_update=True)
    if shipment is None:
        uow.shipments.add(Record(order_id, VOIDED, cancelled.reason))
    elif shipment.status == SCHEDULED:
        uow.capacity.give_back(dt.date.fromisoformat(shipment.data["day"]))
        uow.shipments.move(order_id, CANCELLED, cancelled.reason)

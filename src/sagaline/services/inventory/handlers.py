"""Inventory's handlers: reserve every item of a paid order, or none of them; release them
when the order is cancelled."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial

from sagaline.core.envelope import Envelope
from sagaline.core.processor import Handler
from sagaline.services import events, topics
from sagaline.services.failures import RandomFailure
from sagaline.services.inventory.repository import InventoryUnitOfWork, Reservation
from sagaline.services.inventory.status import ReservationStatus


@dataclass(frozen=True)
class InventoryRules:
    injected: RandomFailure = field(default_factory=RandomFailure)  # demo only


def shortage(wanted: Counter[str], on_hand: dict[str, int]) -> str | None:
    """Why `wanted` cannot be reserved from `on_hand`, or None if it can."""
    if any(sku not in on_hand for sku in wanted):
        return "UNKNOWN_SKU"
    if any(on_hand[sku] < qty for sku, qty in wanted.items()):
        return "OUT_OF_STOCK"
    return None


def reserve_for_paid_order(event: Envelope, uow: InventoryUnitOfWork,
                           rules: InventoryRules) -> None:
    paid = events.PaymentCharged.model_validate(event.payload)
    # Decided already? A replica deciding it at this very moment makes one insert below hit
    # the primary key; that transaction (stock included) rolls back and its retry stops here.
    if uow.reservations.get(paid.orderId) is not None:
        return
    wanted: Counter[str] = Counter()
    for item in paid.items:
        wanted[item.sku] += item.quantity
    if rules.injected.strikes():
        reason: str | None = "INJECTED_FAILURE"
    else:
        reason = shortage(wanted, uow.stock.lock(list(wanted))) if wanted else None
    if reason is None and wanted:
        uow.stock.take(dict(wanted))
    items = [{"sku": sku, "quantity": qty} for sku, qty in sorted(wanted.items())]
    status = ReservationStatus.FAILED if reason else ReservationStatus.RESERVED
    uow.reservations.add(Reservation(paid.orderId, status, items, reason))
    if reason:
        failed = events.InventoryFailed(orderId=paid.orderId, reason=reason)
        uow.emit(event.follow(topics.INVENTORY_FAILED, events.payload(failed)))
    else:
        reserved = events.InventoryReserved(orderId=paid.orderId)
        uow.emit(event.follow(topics.INVENTORY_RESERVED, events.payload(reserved)))


def release_for_cancelled_order(event: Envelope, uow: InventoryUnitOfWork) -> None:
    """The order was cancelled (timed out): give reserved stock back, or make sure none is
    taken later."""
    cancelled = events.OrderCancelled.model_validate(event.payload)
    reservation = uow.reservations.get(cancelled.orderId, for_update=True)
    if reservation is None:  # not reserved yet: the reservation will find this and stop
        uow.reservations.add(Reservation(cancelled.orderId, ReservationStatus.VOIDED, [],
                                         cancelled.reason))
    elif reservation.status == ReservationStatus.RESERVED:
        uow.stock.give_back({i["sku"]: i["quantity"] for i in reservation.items})
        uow.reservations.mark_released(cancelled.orderId)
        released = events.InventoryReleased(orderId=cancelled.orderId,
                                            items=reservation.items, reason=cancelled.reason)
        uow.emit(event.follow(topics.INVENTORY_RELEASED, events.payload(released)))


def handlers(rules: InventoryRules) -> dict[str, Handler[InventoryUnitOfWork]]:
    """Which handler each consumed topic goes to."""
    return {
        topics.PAYMENT_CHARGED: partial(reserve_for_paid_order, rules=rules),
        topics.ORDER_CANCELLED: release_for_cancelled_order,
    }

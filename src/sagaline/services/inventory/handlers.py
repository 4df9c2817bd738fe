"""Inventory's handlers: reserve every item of a paid order, or none of them; release them
when the order is cancelled."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial

from sagaline.core.envelope import Envelope
from sagaline.core.processor import Handler
from sagaline.services import events, ids, topics
from sagaline.services.failures import RandomFailure
from sagaline.services.inventory.repository import (
    FAILED,
    RESERVED,
    VOIDED,
    InventoryUnitOfWork,
    Reservation,
)


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
    order_id = ids.order_id(paid.orderId)  # before any effect: a bad id is given up
    # Decided already? A replica deciding it at this very moment makes one insert below hit
    # the primary key; that transaction (stock included) rolls back and its retry stops here.
    if uow.reservations.get(order_id) is not None:
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
    uow.reservations.add(Reservation(order_id, FAILED if reason else RESERVED, items,
                                     reason))
    if reason:
        failed = events.InventoryFailed(orderId=str(order_id), reason=reason)
        uow.emit(event.follow(topics.INVENTORY_FAILED, events.payload(failed)))
    else:
        reserved = events.InventoryReserved(orderId=str(order_id))
        uow.emit(event.follow(topics.INVENTORY_RESERVED, events.payload(reserved)))


def release_for_cancelled_order(event: Envelope, uow: InventoryUnitOfWork) -> None:
    """The order was cancelled (timed out): give reserved stock back, or make sure none is
    taken later."""
    cancelled = events.OrderCancelled.model_validate(event.payload)
    order_id = ids.order_id(cancelled.orderId)
    reservation = uow.reservations.get(order_id, for_update=True)
    if reservation is None:  # not reserved yet: the reservation will find this and stop
        uow.reservations.add(Reservation(order_id, VOIDED, [], cancelled.reason))
    elif reservation.status == RESERVED:
        uow.stock.give_back({i["sku"]: i["quantity"] for i in reservation.items})
        uow.reservations.mark_released(order_id)
        released = events.InventoryReleased(orderId=str(order_id),
                                            items=reservation.items, reason=cancelled.reason)
        uow.emit(event.follow(topics.INVENTORY_RELEASED, events.payload(released)))


def handlers(rules: InventoryRules) -> dict[str, Handler[InventoryUnitOfWork]]:
    """Which handler each consumed topic goes to."""
    return {
        topics.PAYMENT_CHARGED: partial(reserve_for_paid_order, rules=rules),
        topics.ORDER_CANCELLED: release_for_cancelled_order,
    }

"""Inventory's handlers: reserve every item of a paid order, or none of them; release them
when the order is cancelled. Which topic goes to which handler: `inventory/step.py`."""

from __future__ import annotations

from collections import Counter

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.saga import read
from sagaline.seed_saga import events, ids, topics
from sagaline.seed_saga.inventory.repository import InventoryUnitOfWork, Reservation
from sagaline.seed_saga.inventory.status import ReservationStatus

UNKNOWN_SKU, OUT_OF_STOCK = "UNKNOWN_SKU", "OUT_OF_STOCK"


def shortage(wanted: Counter[str], on_hand: dict[str, int]) -> str | None:
    """Why `wanted` cannot be reserved from `on_hand`, or None if it can."""
    if any(sku not in on_hand for sku in wanted):
        return UNKNOWN_SKU
    if any(on_hand[sku] < qty for sku, qty in wanted.items()):
        return OUT_OF_STOCK
    return None


def reserve_for_paid_order(event: Envelope, uow: InventoryUnitOfWork) -> None:
    paid = events.PaymentCharged.model_validate(event.payload)
    order_id = ids.order_id(paid.orderId)  # before any effect: a bad id is given up
    # Decided already? A replica deciding it at this very moment makes one insert below hit
    # the primary key; that transaction (stock included) rolls back and its retry stops here.
    if uow.reservations.get(order_id) is not None:
        return
    wanted = _wanted(paid)
    reason = shortage(wanted, uow.stock.lock(list(wanted))) if wanted else None
    if reason is not None:
        _refuse(paid, reason, event, uow)
        return
    if wanted:
        uow.stock.take(dict(wanted))
    uow.reservations.add(Reservation(order_id, ReservationStatus.RESERVED, _lines(wanted)))
    reserved = events.InventoryReserved(orderId=str(order_id))
    uow.emit(event.follow(topics.INVENTORY_RESERVED, events.payload(reserved)))


def refuse_reservation(event: Envelope, uow: InventoryUnitOfWork, reason: str) -> None:
    """Refuse to reserve for a paid order, whatever the stock (how an injected failure ends
    the step, see services/failures.py): FAILED with `reason`, nothing taken; payment then
    refunds."""
    paid = events.PaymentCharged.model_validate(event.payload)
    if uow.reservations.get(ids.order_id(paid.orderId)) is None:  # decided already: as in reserving
        _refuse(paid, reason, event, uow)


def _wanted(paid: events.PaymentCharged) -> Counter[str]:
    wanted: Counter[str] = Counter()
    for item in paid.items:
        wanted[item.sku] += item.quantity
    return wanted


def _lines(wanted: Counter[str]) -> list[dict[str, object]]:
    return [{"sku": sku, "quantity": qty} for sku, qty in sorted(wanted.items())]


def _refuse(paid: events.PaymentCharged, reason: str, cause: Envelope,
            uow: InventoryUnitOfWork) -> None:
    order_id = ids.order_id(paid.orderId)
    uow.reservations.add(Reservation(order_id, ReservationStatus.FAILED,
                                     _lines(_wanted(paid)), reason))
    failed = events.InventoryFailed(orderId=str(order_id), reason=reason)
    uow.emit(cause.follow(topics.INVENTORY_FAILED, events.payload(failed)))


def release_for_order(event: Envelope, uow: InventoryUnitOfWork) -> None:
    """The order was cancelled (timed out), or a later step failed: give reserved stock
    back, or make sure none is taken later. The event names the order and the reason,
    whatever its topic."""
    cancelled = read(event).model_dump()
    order_id = ids.order_id(cancelled["orderId"])
    reservation = uow.reservations.get(order_id, for_update=True)
    if reservation is None:  # not reserved yet: the reservation will find this and stop
        uow.reservations.add(Reservation(order_id, ReservationStatus.VOIDED, [],
                                         cancelled["reason"]))
    elif reservation.status == ReservationStatus.RESERVED:
        uow.stock.give_back({i["sku"]: i["quantity"] for i in reservation.items})
        uow.reservations.mark_released(order_id)
        released = events.InventoryReleased(orderId=str(order_id),
                                            items=reservation.items, reason=cancelled["reason"])
        uow.emit(event.follow(topics.INVENTORY_RELEASED, events.payload(released)))

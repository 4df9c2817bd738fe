"""Per-order invariants: every order ends, and its end agrees with payment and inventory.

Pure functions over rows. An order that is not final is "in flight" while younger than the
grace period and "stuck" after it. A CANCELLED order may still be settling for `grace_s`
after it finished (a timeout cancels the order first; payment and inventory undo their part
afterwards), so its mismatches count only once it finished longer ago than that.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sagaline.audit.findings import Finding, plain
from sagaline.audit.rows import Items, OrderRow, PaymentRow, ReservationRow
from sagaline.seed_saga import topics
from sagaline.seed_saga.inventory.status import NOT_HELD, ReservationStatus
from sagaline.seed_saga.order.status import FINAL, OrderStatus
from sagaline.seed_saga.payment.status import NO_NET_CHARGE, PaymentStatus

# What a stuck order last heard, by the status it is stuck in.
LAST_OUTCOME: dict[str, str] = {OrderStatus.PENDING: "none yet",
                                OrderStatus.PAID: topics.PAYMENT_CHARGED,
                                OrderStatus.COMPENSATING: topics.INVENTORY_FAILED}


@dataclass
class OrderVerdicts:
    violations: list[Finding] = field(default_factory=list)
    stuck: list[Finding] = field(default_factory=list)
    in_flight: int = 0


def merged(items: Items) -> dict[str, int]:
    """Quantities per SKU, lines of the same SKU added up."""
    total: Counter[str] = Counter()
    for item in items:
        total[str(item["sku"])] += int(item["quantity"])
    return dict(total)


def check_orders(orders: Iterable[OrderRow], payments: dict[str, PaymentRow],
                 reservations: dict[str, ReservationRow], grace_s: float) -> OrderVerdicts:
    verdicts = OrderVerdicts()
    for order in orders:
        pay, res = payments.get(order.order_id), reservations.get(order.order_id)
        if order.status not in FINAL:
            if order.age_s < grace_s:
                verdicts.in_flight += 1
            else:
                verdicts.stuck.append(stuck(order, pay, res))
        elif order.status == OrderStatus.CONFIRMED:
            verdicts.violations += confirmed_problems(order, pay, res)
        elif settled(order, grace_s):
            verdicts.violations += cancelled_problems(order, pay, res)
        elif cancelled_problems(order, pay, res):
            verdicts.in_flight += 1  # compensation may still be under way
    return verdicts


def settled(order: OrderRow, grace_s: float) -> bool:
    return order.finished_age_s is None or order.finished_age_s >= grace_s


def stuck(order: OrderRow, pay: PaymentRow | None, res: ReservationRow | None) -> Finding:
    payment, reservation = pay.status if pay else None, res.status if res else None
    return Finding(
        "stuck", f"order {order.order_id}",
        f"{order.status} for {order.age_s:.0f} s (last outcome: "
        f"{LAST_OUTCOME.get(order.status, '?')}); payment {payment or 'absent'},"
        f" reservation {reservation or 'absent'}",
        {"order_id": order.order_id, "user_id": order.user_id, "status": order.status,
         "age_s": round(order.age_s, 3), "last_outcome": LAST_OUTCOME.get(order.status),
         "payment": payment, "reservation": reservation})


def confirmed_problems(order: OrderRow, pay: PaymentRow | None,
                       res: ReservationRow | None) -> list[Finding]:
    """CONFIRMED: one CHARGED payment of the order's total; a RESERVED reservation of its
    items (per SKU)."""
    found = []
    if pay is None or pay.status != PaymentStatus.CHARGED or pay.amount != order.total_amount:
        found.append(_about(order, "confirmed-not-charged",
                            f"payment {_describe_payment(pay)}, order total"
                            f" {order.total_amount}",
                            payment=pay.status if pay else None,
                            amount=plain(pay.amount) if pay else None))
    if (res is None or res.status != ReservationStatus.RESERVED
            or merged(res.items) != merged(order.items)):
        found.append(_about(order, "confirmed-not-reserved",
                            f"reservation {_describe_reservation(res)}, order items"
                            f" {_skus(merged(order.items))}",
                            reservation=res.status if res else None))
    return found


def cancelled_problems(order: OrderRow, pay: PaymentRow | None,
                       res: ReservationRow | None) -> list[Finding]:
    """CANCELLED: no net charge, nothing held. Either one left means a compensation (the
    refund, the release) did not happen: the finding says which."""
    found = []
    if pay is not None and pay.status not in NO_NET_CHARGE:
        found.append(_about(order, "cancelled-but-charged",
                            f"compensation not done (refund): payment"
                            f" {_describe_payment(pay)}",
                            payment=pay.status, amount=plain(pay.amount),
                            compensation="refund"))
    if res is not None and res.status not in NOT_HELD:
        found.append(_about(order, "cancelled-but-reserved",
                            f"compensation not done (release): reservation"
                            f" {_describe_reservation(res)}",
                            reservation=res.status, compensation="release"))
    return found


def orphans(payments: Iterable[PaymentRow], reservations: Iterable[ReservationRow],
            known_order_ids: set[str]) -> list[Finding]:
    """Payments and reservations whose order is not in order_db (warnings)."""
    found = [Finding("orphan-payment", f"payment {p.order_id}",
                     f"{p.status} {p.amount} for user {p.user_id}, no such order",
                     {"order_id": p.order_id, "user_id": p.user_id, "status": p.status,
                      "amount": plain(p.amount)})
             for p in payments if p.order_id not in known_order_ids]
    found += [Finding("orphan-reservation", f"reservation {r.order_id}",
                      f"{r.status} {_skus(merged(r.items))}, no such order",
                      {"order_id": r.order_id, "status": r.status})
              for r in reservations if r.order_id not in known_order_ids]
    return found


def _about(order: OrderRow, kind: str, message: str, **data: object) -> Finding:
    base = {"order_id": order.order_id, "user_id": order.user_id, "status": order.status,
            "total_amount": plain(order.total_amount)}
    return Finding(kind, f"order {order.order_id}", message,
                   {**base, **{k: plain(v) for k, v in data.items()}})


def _describe_payment(pay: PaymentRow | None) -> str:
    return "absent" if pay is None else f"{pay.status} {pay.amount}"


def _describe_reservation(res: ReservationRow | None) -> str:
    return "absent" if res is None else f"{res.status} {_skus(merged(res.items))}"


def _skus(quantities: dict[str, int]) -> str:
    return ",".join(f"{sku}x{n}" for sku, n in sorted(quantities.items())) or "(none)"

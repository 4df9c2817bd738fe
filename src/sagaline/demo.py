"""`make demo`: a batch of orders through every path of the saga, watched to the end.

Confirmed orders, payments refused for lack of funds, and reservations that fail for lack of
stock (so the payment is refunded), placed against the running services, followed until each
is final, then shown as a table with totals.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from sagaline import audit
from sagaline.settings import SystemSettings

FINAL = ("CONFIRMED", "CANCELLED")


@dataclass
class Placed:
    order_id: str
    user: str
    amount: float
    items: list[dict[str, Any]]
    outcome: dict[str, Any] | None = None
    payment_status: str = ""


def plan(run: str, count: int, credit: int, scarce_sku: str) -> list[Placed]:
    """Every path: most confirm; every fifth asks more than the credit; every fourth wants
    the scarce SKU, which runs out after the first of them."""
    orders = []
    for n in range(count):
        user = f"demo-{run}-{n % 7}"
        if n % 5 == 4:
            orders.append(Placed("", f"demo-{run}-rich-{n}", credit + 1, []))
        elif n % 4 == 3:
            orders.append(Placed("", user, 20, [{"sku": scarce_sku, "quantity": 2}]))
        else:
            orders.append(Placed("", user, 10 + n, [{"sku": "SKU-1", "quantity": 1 + n % 3}]))
    return orders


def place_all(order: httpx.Client, orders: list[Placed]) -> None:
    for p in orders:
        body = {"userId": p.user, "totalAmount": p.amount, "items": p.items}
        response = order.post("/orders", json=body)
        response.raise_for_status()
        p.order_id = response.json()["orderId"]


def follow(order: httpx.Client, orders: list[Placed], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for p in orders:
            if p.outcome is None or p.outcome["status"] not in FINAL:
                p.outcome = order.get(f"/orders/{p.order_id}").json()
        done = sum(1 for p in orders if p.outcome and p.outcome["status"] in FINAL)
        print(f"\r  final: {done}/{len(orders)}", end="", flush=True)
        if done == len(orders):
            break
        time.sleep(0.1)
    print()


def table(orders: list[Placed]) -> str:
    head = f"{'order':<10} {'user':<22} {'amount':>8}  {'items':<24} {'status':<10} " \
           f"{'reason':<15} payment"
    lines = [head, "-" * len(head)]
    for p in orders:
        o = p.outcome or {}
        items = ",".join(f"{i['sku']}x{i['quantity']}" for i in p.items) or "-"
        lines.append(f"{p.order_id[:8]:<10} {p.user[:22]:<22} {p.amount:>8}  {items[:24]:<24} "
                     f"{o.get('status', '?'):<10} {o.get('reason') or '-':<15} {p.payment_status}")
    return "\n".join(lines)


def run(settings: SystemSettings, count: int = 30, timeout_s: float = 60.0) -> bool:
    """Place, follow, report, audit; True when every order settled and the audit holds."""
    since = datetime.now(UTC)
    run_id = uuid.uuid4().hex[:6]
    host = "127.0.0.1"
    order = httpx.Client(base_url=f"http://{host}:{settings.order_http_port}", timeout=10)
    payment = httpx.Client(base_url=f"http://{host}:{settings.payment_http_port}", timeout=10)
    inventory = httpx.Client(base_url=f"http://{host}:{settings.inventory_http_port}",
                             timeout=10, headers=settings.admin_headers())  # to restock
    scarce = f"DEMO-SCARCE-{run_id}"
    inventory.post(f"/stock/{scarce}", json={"quantity": 2}).raise_for_status()
    orders = plan(run_id, count, settings.starting_credit, scarce)
    started = time.monotonic()
    print(f"placing {len(orders)} orders ...")
    place_all(order, orders)
    follow(order, orders, timeout_s)
    elapsed = time.monotonic() - started
    for p in orders:
        p.payment_status = payment.get(f"/payments/{p.order_id}").json().get("status", "-")
    print(table(orders))
    outcomes = Counter(
        f"{(p.outcome or {}).get('status')} {(p.outcome or {}).get('reason') or ''}".strip()
        for p in orders)
    print("\ntotals: " + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())))
    print(f"all {len(orders)} orders placed and settled in {elapsed:.2f} s")
    unsettled = sum(1 for p in orders if (p.outcome or {}).get("status") not in FINAL)
    if unsettled:
        print(f"{unsettled} orders were not final within {timeout_s:.0f} s", file=sys.stderr)
    print("\nconsistency audit of this run:")
    report = audit.run(settings, since=since, wait_s=30)
    print(report.text())
    return not unsettled and report.ok

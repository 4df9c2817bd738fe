"""Conservation: money per account, stock per SKU. Pure functions over aggregated rows.

Both are exact at any moment, not only at rest: payment_db debits and records a charge in one
transaction, inventory_db takes stock and records the reservation in one, and each is read in
one snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable

from sagaline.audit.findings import Finding, Value, plain
from sagaline.audit.rows import AccountBook, StockBook


def money_problems(accounts: Iterable[AccountBook]) -> list[Finding]:
    """balance == initial_credit - Σ CHARGED amounts, and balance >= 0, per account."""
    found = []
    for a in accounts:
        data: dict[str, Value] = {"user_id": a.user_id, "balance": plain(a.balance),
                "initial_credit": plain(a.initial_credit), "charged": plain(a.charged)}
        subject = f"account {a.user_id}"
        if a.balance is None or a.initial_credit is None:
            found.append(Finding("charged-without-account", subject,
                                 f"payments charged {a.charged}, but no account", data))
            continue
        expected = a.initial_credit - a.charged
        if a.balance != expected:
            found.append(Finding(
                "money-not-conserved", subject,
                f"balance {a.balance} != initial {a.initial_credit} - charged {a.charged}"
                f" = {expected} (off by {a.balance - expected})",
                {**data, "expected": plain(expected)}))
        if a.balance < 0:
            found.append(Finding("negative-balance", subject, f"balance {a.balance}", data))
    return found


def stock_problems(stock: Iterable[StockBook]) -> list[Finding]:
    """on_hand == initial - Σ quantities held by RESERVED reservations, and on_hand >= 0."""
    found = []
    for s in stock:
        data: dict[str, Value] = {"sku": s.sku, "initial": s.initial, "on_hand": s.on_hand,
                                  "held": s.held}
        subject = f"sku {s.sku}"
        if s.initial is None or s.on_hand is None:
            found.append(Finding("held-unknown-sku", subject,
                                 f"reservations hold {s.held}, but it is not stocked", data))
            continue
        expected = s.initial - s.held
        if s.on_hand != expected:
            found.append(Finding(
                "stock-not-conserved", subject,
                f"on_hand {s.on_hand} != initial {s.initial} - held {s.held} = {expected}"
                f" (off by {s.on_hand - expected})", {**data, "expected": expected}))
        if s.on_hand < 0:
            found.append(Finding("negative-stock", subject, f"on_hand {s.on_hand}", data))
    return found

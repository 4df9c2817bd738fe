"""The payment step's rows in the dashboard's timeline: its `payments` row of the saga
(charged, failed, refunded or voided) with its own timestamps, for what the outbox no longer
holds; its refund drawn as a compensation; and what it changed: the payer's balance after
its charge and after its refund, as the row keeps them (before = after ± the amount)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagaline.dashboard.step import Change, RecordTimeline
from sagaline.seed_saga import topics


def balances(payment: Mapping[str, Any]) -> list[Change]:
    what, amount = f"balance of {payment['user_id']}", payment["amount"]
    changes = []
    if (charged := payment["balance_after_charge"]) is not None:
        changes.append(Change(what, str(charged + amount), str(charged), topics.PAYMENT_CHARGED))
    if (refunded := payment["balance_after_refund"]) is not None:
        changes.append(Change(what, str(refunded - amount), str(refunded),
                              topics.PAYMENT_REFUNDED))
    return changes


TIMELINE = RecordTimeline("payments", "order_id", undone_at="refunded_at",
                          undo_topic=topics.PAYMENT_REFUNDED,
                          columns=("user_id", "amount", "balance_after_charge",
                                   "balance_after_refund"),
                          changed=balances)

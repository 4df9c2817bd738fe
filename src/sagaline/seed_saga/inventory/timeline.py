"""The inventory step's rows in the dashboard's timeline: its `reservations` row of the saga
(reserved, failed, released or voided) with its own timestamps, for what the outbox no
longer holds; its release drawn as a compensation; and what it changed: each SKU's units on
hand after reserving and after releasing, as the row keeps them (before = after ± the
quantity reserved)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagaline.dashboard.step import Change, RecordTimeline
from sagaline.seed_saga import topics

# The row's column of on-hand levels, the sign of its move, the event it came with.
_MOVES = (("on_hand_after_reserve", -1, topics.INVENTORY_RESERVED),
          ("on_hand_after_release", +1, topics.INVENTORY_RELEASED))


def stock_levels(reservation: Mapping[str, Any]) -> list[Change]:
    changes = []
    for column, sign, topic in _MOVES:
        levels = reservation[column] or {}
        for item in reservation["items"]:
            after = levels.get(item["sku"])
            if after is not None:
                before = after - sign * int(item["quantity"])
                changes.append(Change(f"on hand of {item['sku']}", before, after, topic))
    return changes


TIMELINE = RecordTimeline("reservations", "order_id", undone_at="released_at",
                          undo_topic=topics.INVENTORY_RELEASED,
                          columns=("items", "on_hand_after_reserve", "on_hand_after_release"),
                          changed=stock_levels)

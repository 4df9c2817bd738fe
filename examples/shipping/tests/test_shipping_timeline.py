"""The dashboard's timeline over the example's saga: shipping declares no changes and still
gets its rows and its handlers' links; the seed's steps it reuses show what they changed,
and the order's status moves follow this saga's own status table."""

from __future__ import annotations

import inspect
import uuid
from typing import Any

import pytest

from sagaline.dashboard import timeline
from sagaline.dashboard.handler_links import handler_links
from sagaline.dashboard.step import Change
from sagaline.seed_saga import topics
from shipping.events import SHIPPING_SCHEDULED
from shipping.handlers import schedule_for_reserved_order
from shipping_saga import SAGA

pytestmark = pytest.mark.unit
T0 = 1_700_000_000.0


def event(topic: str, at: float) -> dict[str, Any]:
    return {"topic": topic, "event_id": uuid.uuid4(), "created_at": at, "published_at": at}


def test_a_confirmed_shipping_saga_shows_its_moves_and_its_handlers() -> None:
    reserved, scheduled = event(topics.INVENTORY_RESERVED, T0 + 1), event(SHIPPING_SCHEDULED,
                                                                          T0 + 2)
    handled = {("shipping", reserved["event_id"]): T0 + 1.5,
               ("order", reserved["event_id"]): T0 + 1.6,
               ("order", scheduled["event_id"]): T0 + 2.5}
    order = {"saga_id": str(uuid.uuid4()), "status": "CONFIRMED", "reason": None,
             "created_at": T0, "finished_at": T0 + 2.5}
    shipment = {"status": "SCHEDULED", "reason": None, "created_at": T0 + 2,
                "updated_at": T0 + 2}
    found = timeline.SagaRecords(order, {"inventory": [reserved], "shipping": [scheduled]},
                                 handled, {"order": order, "shipping": shipment})
    links = handler_links(SAGA)
    steps = timeline.build(found, SAGA, 60, links)
    line = inspect.getsourcelines(schedule_for_reserved_order)[1]
    shipping = [s for s in steps if s.service == "shipping"]
    assert [(s.label, s.changes) for s in shipping] == [
        ("inventory.reserved handled", ()), ("shipping.scheduled committed", ()),
        ("shipping.scheduled published", ())]
    assert shipping[0].handler is not None
    assert shipping[0].handler.text == f"shipping/handlers.py:{line}"
    assert [c for s in steps if s.service == "order" for c in s.changes] == [
        Change("status", "PENDING", "RESERVED", topics.INVENTORY_RESERVED),
        Change("status", "RESERVED", "CONFIRMED", SHIPPING_SCHEDULED)]

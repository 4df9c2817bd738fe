"""What each step changed, on the saga page (issue 25, item 4), against the real stack: a
confirmed saga's timeline shows the payer's balance before and after the charge, the SKU's
stock before and after the reservation, the order's status moves, and each handled event's
handler as its module and line."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from sagaline.devstack import Stack
from sagaline.seed_saga import topics
from sagaline.seed_saga.saga import SAGA
from tests.integration.saga.conftest import Saga, new_user

CREDIT = 10_000
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def saga(services: Stack) -> Iterator[Saga]:
    client = Saga(services)
    yield client
    client.order.close()
    client.payment.close()
    client.inventory.close()


def test_a_confirmed_sagas_page_shows_what_each_step_changed_and_its_handlers(
        saga: Saga, browser: Browser, dashboard: str) -> None:
    user, sku = new_user(), saga.new_sku(5)
    order_id = saga.place(user, 40, [(sku, 2)])
    assert saga.final(order_id)["status"] == SAGA.statuses.final[0]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{dashboard}/saga/{order_id}")
    timeline = page.locator("#saga-timeline")
    expect(timeline.locator("tr.step", has_text="payment.charged committed")).to_contain_text(
        f"balance of {user}: {CREDIT}.00 → {CREDIT - 40}.00", timeout=WAIT_MS)
    expect(timeline.locator("tr.step", has_text="inventory.reserved committed")
           ).to_contain_text(f"on hand of {sku}: 5 → 3")
    expect(timeline.locator("tr.step", has_text="inventory.reserved handled")
           ).to_contain_text("status: PAID → CONFIRMED")
    charger = SAGA.service(SAGA.consumers_of(topics.ORDER_CREATED)[0])
    handler = charger.consumes[topics.ORDER_CREATED]
    line = inspect.getsourcelines(handler)[1]
    where = f"{handler.__module__.replace('.', '/')}.py:{line}"
    handled = timeline.locator(f'tr.step[data-lane="{charger.name}"]',
                               has_text="order.created handled")
    expect(handled.locator(".handler")).to_have_text(where)
    assert handled.locator("a.handler").count() == 0  # no DASHBOARD_SOURCE_URL: text only
    context.close()

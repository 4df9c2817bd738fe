"""The dashboard in a real browser over the stack running the chosen saga: a clean page with
a lane, a card and a box per declared service, a new saga and its steps in every lane, a
stuck saga on a stopped service, a poison message, charts under load, and the README's
screenshot."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from confluent_kafka import Producer

from sagaline import demo, saga_choice
from sagaline.devstack import Stack
from sagaline.ops import stock, targets
from tests.browser import layout
from tests.browser.conftest import STUCK_AFTER_S, Watched, next_snapshots

# The README's picture is refreshed on request (UPDATE_SCREENSHOT=1), so a test run leaves the
# working tree as it was; otherwise the screenshot lands with the stack's other run files.
README_SCREENSHOT = Path(__file__).parents[2] / "docs" / "img" / "dashboard.png"
BURST = 300  # orders in the load test: bounded in count, a few seconds
SAGA = saga_choice.load()  # the saga the stack runs
NAMES = list(SAGA.names)


@pytest.fixture(scope="module")
def orders(services: Stack) -> Iterator[httpx.Client]:
    """The saga's owner, which starts a saga (POST /orders: the order step's API)."""
    port = services.settings.http_port(SAGA.owner, SAGA)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        yield client


def place(orders: httpx.Client, user: str = "browser", amount: float = 5) -> str:
    body = {"userId": user, "totalAmount": amount, "items": [{"sku": "SKU-1", "quantity": 1}]}
    response = orders.post("/orders", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["orderId"])


def lanes(page: Watched) -> list[str]:
    """The timeline's lanes, as its header names them."""
    return page.page.locator("#timeline thead th[data-service]").all_inner_texts()


def test_the_page_loads_clean_and_stays_on_its_origin(page: Watched) -> None:
    page.page.wait_for_selector("#topology svg g.service", timeout=5_000)
    # A saga list fetched and drawn, and snapshots drawn after it: errors would show by then.
    with page.page.expect_response(lambda r: "/api/sagas" in r.url, timeout=10_000):
        next_snapshots(page, 1)
    next_snapshots(page, 2)
    boxes = page.page.locator("#topology g.service")
    assert [boxes.nth(i).get_attribute("data-service") for i in range(boxes.count())] == NAMES
    assert lanes(page) == NAMES
    cards = page.page.locator("#services .card")
    assert [cards.nth(i).get_attribute("data-service") for i in range(cards.count())] == NAMES
    assert page.errors == []
    assert page.foreign == []


def test_a_new_order_appears_with_its_steps_within_3_s(page: Watched,
                                                       orders: httpx.Client) -> None:
    begin = time.monotonic()
    order_id = place(orders)
    row = page.page.locator(f'#sagas tr[data-saga-id="{order_id}"]')
    row.wait_for(timeout=3_000)
    row.click()
    left_ms = max(100, 3_000 - (time.monotonic() - begin) * 1000)
    steps = page.page.locator("#timeline tr.step", has_text="order.created committed")
    steps.wait_for(timeout=left_ms)
    assert page.page.locator("#timeline tr.step").first.inner_text().strip().endswith(
        "order placed")
    # It goes on to the end: every step handles its events, the saga ends successfully.
    success = SAGA.statuses.final[0]
    page.page.locator("#timeline tr.step-final", has_text=success).wait_for(timeout=10_000)
    steps = page.page.locator("#timeline tr.step")
    assert {steps.nth(i).get_attribute("data-service") for i in range(steps.count())} == set(
        NAMES)
    assert page.errors == []


def test_a_saga_waiting_on_a_stopped_first_step_is_stuck_until_it_is_back(
        page: Watched, orders: httpx.Client, services: Stack) -> None:
    first = SAGA.statuses.waiting_on(SAGA.statuses.initial)  # what a new saga waits on
    assert first is not None
    services.stop(first)
    try:
        order_id = place(orders)
        stuck = page.page.locator(f'#stuck li[data-saga-id="{order_id}"]')
        stuck.wait_for(timeout=(STUCK_AFTER_S + 8) * 1000)
        text = stuck.inner_text()
        assert f"waiting on {first} since" in text
        assert f"{first} is not ready" in text
    finally:
        services.start(first)
    stuck.wait_for(state="detached", timeout=30_000)


def test_a_poison_message_appears_in_the_dead_letter_panel(page: Watched,
                                                           services: Stack) -> None:
    key = str(uuid.uuid4())
    first = SAGA.edges[0]  # the saga's first event, and a service that consumes it
    producer = Producer({"bootstrap.servers": services.settings.kafka_bootstrap_servers,
                         **services.settings.kafka_client_config})
    producer.produce(first.topic, value=b"{not json", key=key.encode())
    assert producer.flush(10) == 0
    letter = page.page.locator("#dead-letters tbody tr", has_text=key[:8]).filter(
        has=page.page.locator("td", has_text=first.consumer))
    letter.first.wait_for(timeout=20_000)
    assert letter.first.locator("td").nth(0).inner_text() == first.consumer
    assert letter.first.locator("td").nth(4).inner_text() in ("no", "unreadable")
    card = page.page.locator(f'#services .card[data-service="{first.consumer}"]')
    assert "dead letters 0" not in card.inner_text()


def test_the_charts_draw_data_under_load(page: Watched, orders: httpx.Client) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: place(orders, f"load-{n % 20}"), range(BURST)))
    for chart in ("finished", "latency"):
        page.page.wait_for_function(
            f"(window.sagaDashboard.charts['{chart}']?.plot.data || []).slice(1)"
            ".flat().some((v) => v > 0)", timeout=15_000)
    assert page.page.locator("#chart-finished canvas").count() == 1
    for chart in ("backlog", "oldest", "lag"):  # a line per declared service
        assert page.page.evaluate(f"window.sagaDashboard.charts['{chart}'].names") == "|".join(
            NAMES)
    assert page.errors == []


def test_screenshot_after_a_demo_like_run(page: Watched, services: Stack) -> None:
    s, saga = services.settings, saga_choice.load()
    scarce = f"DEMO-SCARCE-{uuid.uuid4().hex[:6]}"
    stock.add(s, saga, scarce, 2)
    placed = demo.plan(saga, uuid.uuid4().hex[:6], 30, s.starting_credit, scarce)
    with httpx.Client(base_url=targets.base_url(s, saga, saga.owner), timeout=10) as owner:
        demo.place_all(owner, saga, placed)
        demo.follow(owner, saga, placed, timeout_s=30)
    refunded = next(p.saga_id for p in reversed(placed)  # the newest: on the first page
                    if (p.outcome or {}).get("reason") == "OUT_OF_STOCK")
    page.page.locator(f'#sagas tr[data-saga-id="{refunded}"]').click(timeout=10_000)
    page.page.locator("#timeline tr.step-compensation").first.wait_for(timeout=5_000)
    page.page.locator("#timeline tr.step-final").wait_for(timeout=5_000)
    next_snapshots(page, 1)  # the charts and cards drawn from a snapshot after the run
    shot = (README_SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") == "1"
            else Path(services.settings.stack_dir).resolve() / "screenshots" / "dashboard.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    drawn = {part: layout.boxes(page.page, selector) for part, selector in DRAWN.items()}
    png = page.page.screenshot(path=str(shot), full_page=True)
    assert lanes(page) == NAMES
    for part, found in drawn.items():  # one per declared service, each drawn, none on another
        assert len(found) == len(NAMES), part
        assert layout.apart(found) == [], f"{part}: empty or overlapping: {found}"
    lane_x = drawn["lanes"]
    assert [b.x for b in lane_x] == sorted(b.x for b in lane_x), "lanes not in declared order"
    assert_steps_under_their_lanes(page, lane_x)
    chart = layout.boxes(page.page, "#chart-finished canvas")
    *parts, plotted = layout.colours(page.page.context, png,
                                     [b for f in drawn.values() for b in f] + chart)
    assert min(parts) >= 3, f"a box, lane or card drawn without text (colours: {parts})"
    assert plotted >= 3, "the chart of finished sagas is blank"


# The parts the screenshot must show for each declared service, in the saga's order.
DRAWN = {"boxes": "#topology g.service", "lanes": "#timeline thead th[data-service]",
         "cards": "#services .card"}


def assert_steps_under_their_lanes(page: Watched, lane_x: list[layout.Box]) -> None:
    """Each step of the open timeline has one label, drawn in its own service's lane, and
    every lane has a step."""
    steps = layout.labelled_cells(page.page, "#timeline tr.step")
    for i, (service, cells) in enumerate(steps):
        assert service in NAMES and len(cells) == 1, f"step {i} of {service}: {cells}"
        assert lane_x[NAMES.index(service)].spans_x_of(cells[0]), f"step {i} not in {service}"
    assert {service for service, _ in steps} == set(NAMES), steps

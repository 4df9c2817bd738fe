"""The dashboard's limits in a real browser, without a stack: served in this process for the
four-step saga of the unit tests over fakes (as test_dashboard_declared does). A page the
server refuses a stream to (as many pages open as DASHBOARD_MAX_STREAMS) says so, and takes
the stream once a slot is free. Hostile user ids, SKUs, reasons and dead letters are shown
as the text they are: nothing in them runs or becomes an element."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from sagaline.dashboard import api, order_queries
from sagaline.ops.dlq import DeadLetter
from sagaline.settings import DashboardSettings
from tests.browser.conftest import Watched, opened, quiet_server, serving
from tests.browser.test_dashboard_declared import FAKES
from tests.unit.test_dashboard_declared import (
    FOUR,
    SAGA_ID,
    SAGA_RECORD,
    FakeDatabases,
    FakeKafka,
)

UPDATED = "document.querySelector('#updated').textContent.startsWith('updated')"


def dashboard(settings: dict[str, Any], letters: dict[str, list[DeadLetter]],
              fakes: dict[tuple[Any, str], Any]) -> Iterator[str]:
    """The base URL of a dashboard over FAKES (`fakes` replacing some) and `letters`."""
    with pytest.MonkeyPatch.context() as patch:
        for (module, name), fake in {**FAKES, **fakes}.items():
            patch.setattr(module, name, fake)
        patch.setattr("sagaline.dashboard.slow_reads.dlq.handled", lambda *a: {})
        app = api.create_app(DashboardSettings.model_construct(**settings), FOUR,
                             FakeDatabases(FOUR.names), FakeKafka(letters))
        yield from serving(quiet_server(app))


@pytest.fixture(scope="module")
def one_stream() -> Iterator[str]:
    yield from dashboard({"dashboard_max_streams": 1}, {}, {})


def test_a_page_refused_a_stream_says_so_and_takes_one_when_a_slot_is_free(
        browser: Browser, one_stream: str) -> None:
    first = opened(browser, one_stream)
    watched = next(first)
    second = browser.new_context()
    try:
        second.add_init_script("window.sagaDashboardRetryMs = 200")
        page = second.new_page()
        page.goto(one_stream)
        page.wait_for_function("document.querySelector('#updated').textContent"
                               ".startsWith('live updates refused')", timeout=10_000)
        assert page.evaluate("window.sagaDashboard.snapshot") is None
        watched.page.close()  # its stream ends: the slot is free
        page.wait_for_function(UPDATED, timeout=10_000)
    finally:
        second.close()
        next(first, None)
    assert isinstance(watched, Watched) and watched.errors == []


# Hostile values where anyone can put them: the user id and SKUs of an order (its API), a
# cancellation reason (an error's text), and whatever lands in a dead letter (any producer).
USER = '<img src=x onerror="window.pwned=\'user\'">'
SKU = '<script>window.pwned="sku"</script>'
REASON = '<img src=x onerror="window.pwned=\'reason\'"><b id="injected">bold</b>'
KEY = '<svg onload="window.pwned=\'key\'"></svg>'
ERROR = '<iframe srcdoc="<script>parent.pwned=1</script>"></iframe>'
PAYLOAD = json.dumps({"userId": USER, "items": [{"sku": SKU, "quantity": 1}]})
HOSTILE_RECORD = {**SAGA_RECORD, "status": "DROPPED", "reason": REASON, "user_id": USER,
                  "total_amount": 5.0}


def hostile_letter() -> DeadLetter:
    return DeadLetter("dlq.courier", 0, 4, KEY, PAYLOAD.encode(),
                      {"dlq-error-type": ERROR, "dlq-error": ERROR, "dlq-failed-at": "1.0",
                       "dlq-source-topic": SKU})


HOSTILE_FAKES: dict[tuple[Any, str], Any] = {
    (order_queries, "recent"): lambda conn, statuses, limit: [
        dict(HOSTILE_RECORD)] if "DROPPED" in statuses else [],
    (order_queries, "one"): lambda conn, saga_id: dict(HOSTILE_RECORD),
    (order_queries, "finished"): lambda conn, since: {
        int(time.time()) - 1: {"outcomes": {f"DROPPED {REASON}": 2, "DONE": 1},
                               "latency": {"p50": 0.1, "p95": 0.2, "p99": 0.3}}},
}


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    yield from dashboard({}, {"courier": [hostile_letter()]}, HOSTILE_FAKES)


def texts(page: Watched, selector: str) -> list[str]:
    found: list[str] = page.page.locator(selector).evaluate_all(
        "els => els.map((e) => e.textContent)")
    return found


def test_hostile_ids_reasons_and_letters_are_shown_as_text(browser: Browser,
                                                           hostile: str) -> None:
    for page in opened(browser, hostile):
        row = page.page.locator(f'#sagas tr[data-saga-id="{SAGA_ID}"]')
        row.wait_for(timeout=5_000)
        cells = texts(page, f'#sagas tr[data-saga-id="{SAGA_ID}"] td')
        assert (cells[2], cells[-1]) == (REASON, USER)
        letter = texts(page, "#dead-letters tbody td")
        assert letter[:4] == ["courier", "0:4", SKU, f"{ERROR}: {ERROR}"]
        assert letter[5:] == [KEY, PAYLOAD]
        assert REASON in page.page.locator("#chart-finished .u-legend").inner_text()
        row.click()
        page.page.locator("#timeline tr.step").first.wait_for(timeout=5_000)
        assert REASON in page.page.locator("#timeline-title").inner_text()
        assert page.page.evaluate("window.pwned") is None
        assert page.page.locator("main img, main script, main iframe, #injected").count() == 0
        assert page.page.locator("main svg").count() == 1  # the topology's
        assert page.errors == [] and page.foreign == []

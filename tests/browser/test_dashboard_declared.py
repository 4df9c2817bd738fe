"""The page is generic over the declaration, in a real browser without a stack: the dashboard
served in this process for the four-step saga declared in the unit tests, over fake
databases and a fake Kafka. Four boxes, four lanes, four cards, four lines per chart, the
declared statuses in the filter, the fourth step's own row in its lane, a stuck saga
waiting on it and its dead letter."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from playwright.sync_api import Browser

from sagaline.dashboard import api, core_queries, order_queries, readiness
from sagaline.ops.dlq import DeadLetter
from sagaline.settings import DashboardSettings
from tests.browser.conftest import Watched, opened, quiet_server, serving
from tests.unit.test_dashboard_declared import (
    EVENTS,
    FOUR,
    NAMES,
    SAGA_ID,
    SAGA_RECORD,
    FakeDatabases,
    FakeKafka,
)

STUCK_ID = str(uuid.UUID(int=9))


def recent(conn: object, statuses: Sequence[str], limit: int) -> list[dict[str, Any]]:
    stuck = {**SAGA_RECORD, "saga_id": STUCK_ID, "status": "PACKED", "finished_at": None,
             "created_at": time.time() - 30, "updated_at": time.time() - 30}
    return [{**r, "total_amount": 5.0} for r in (SAGA_RECORD, stuck)
            if r["status"] in statuses][:limit]


def not_moving(conn: object, not_final: Sequence[str], idle_s: float,
               limit: int) -> list[dict[str, Any]]:
    return [r for r in recent(conn, not_final, limit) if r["status"] in not_final]


def finished(conn: object, since: float) -> dict[int, dict[str, Any]]:
    return {int(time.time()) - 1: {"outcomes": {"DONE": 2, "DROPPED TIMEOUT": 1},
                                   "latency": {"p50": 0.1, "p95": 0.2, "p99": 0.3}}}


FAKES: dict[tuple[Any, str], Any] = {
    (order_queries, "recent"): recent,
    (order_queries, "not_moving"): not_moving,
    (order_queries, "finished"): finished,
    (order_queries, "in_flight"): lambda conn, not_final: {"PACKED": 1},
    (order_queries, "one"): lambda conn, saga_id: dict(SAGA_RECORD)
    if saga_id == SAGA_ID else None,
    (core_queries, "saga_events"): lambda conn, key, since, until: EVENTS[conn.service],
    (core_queries, "handled_at"): lambda conn, consumer, ids: {},
    (core_queries, "backlog"): lambda conn: {"pending": len(conn.service), "oldest_s": 0.5},
    (core_queries, "pending_for"): lambda conn, keys: {},
    (readiness, "ready"): lambda urls, client: dict.fromkeys(urls, True),
}


@pytest.fixture(scope="module")
def declared_dashboard() -> Iterator[str]:
    letter = DeadLetter("dlq.courier", 0, 4, SAGA_ID, b"{not json",
                        {"dlq-error-type": "ValidationError", "dlq-failed-at": "1.0"})
    with pytest.MonkeyPatch.context() as patch:
        for (module, name), fake in FAKES.items():
            patch.setattr(module, name, fake)
        patch.setattr("sagaline.dashboard.slow_reads.dlq.handled", lambda *a: {})
        app = api.create_app(DashboardSettings.model_construct(), FOUR,
                             FakeDatabases(FOUR.names), FakeKafka({"courier": [letter]}))
        yield from serving(quiet_server(app))


@pytest.fixture
def page(browser: Browser, declared_dashboard: str) -> Iterator[Watched]:
    yield from opened(browser, declared_dashboard)


def attributes(page: Watched, selector: str, name: str) -> list[str | None]:
    found = page.page.locator(selector)
    return [found.nth(i).get_attribute(name) for i in range(found.count())]


def test_a_box_a_lane_a_card_and_a_chart_line_per_declared_service(page: Watched) -> None:
    page.page.wait_for_selector("#topology svg g.service", timeout=5_000)
    assert attributes(page, "#topology g.service", "data-service") == NAMES
    assert attributes(page, "#timeline thead th[data-service]", "data-service") == NAMES
    assert attributes(page, "#services .card", "data-service") == NAMES
    assert "dead letters 1" in page.page.locator('#services [data-service="courier"]').inner_text()
    for chart in ("backlog", "oldest", "lag"):
        assert page.page.evaluate(f"window.sagaDashboard.charts['{chart}'].names") == "|".join(
            NAMES)
    options = page.page.locator("#status-filter option").all_inner_texts()
    assert options == ["all", *FOUR.statuses.statuses]
    assert page.page.locator("#in-flight").inner_text().count("in flight") == len(
        FOUR.statuses.not_final)
    assert page.errors == [] and page.foreign == []


def test_the_fourth_steps_own_row_is_drawn_in_its_lane(page: Watched) -> None:
    row = page.page.locator(f'#sagas tr[data-saga-id="{SAGA_ID}"]')
    row.wait_for(timeout=5_000)
    assert row.locator("td").nth(1).get_attribute("class") == "status-success"
    row.click()
    parcel = page.page.locator("#timeline tr.step", has_text="parcel handed to the bike")
    parcel.wait_for(timeout=5_000)
    assert parcel.get_attribute("data-service") == "courier"
    cells = parcel.locator("td").all_inner_texts()
    assert cells[1 + NAMES.index("courier")] == "parcel handed to the bike"
    assert [c for c in cells[1:] if c] == ["parcel handed to the bike"]
    assert page.errors == []


def test_a_stuck_saga_waits_on_the_step_its_status_names(page: Watched) -> None:
    stuck = page.page.locator(f'#stuck li[data-saga-id="{STUCK_ID}"]')
    stuck.wait_for(timeout=5_000)
    assert "waiting on courier since" in stuck.inner_text()
    stuck_row = page.page.locator(f'#sagas tr[data-saga-id="{STUCK_ID}"]')
    assert stuck_row.locator("td").nth(1).get_attribute("class") == "status-open"
    letter = page.page.locator("#dead-letters tbody tr", has_text="courier")
    assert letter.locator("td").nth(0).inner_text() == "courier"

"""The auditor in the dashboard (issue 25, item 5), end to end against the real stack: a
confirmed saga whose payment row is deleted on purpose in the payment service's database;
"run now" from the audit page after a login shows the violation linked to that saga, and
the link opens its page. The dashboard here has its own checkpoint (its first pass is a
full one) and no schedule, so the pass is the one the page ran."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from playwright.sync_api import Browser, expect
from psycopg import sql
from psycopg.rows import dict_row

from sagaline.audit.sources import dsn
from sagaline.dashboard.server import server
from sagaline.devstack import Stack
from sagaline.seed_saga.payment import step as payment_step
from sagaline.settings import DashboardSettings
from tests.browser.conftest import serving
from tests.browser.test_dashboard_operate import logged_in
from tests.integration.saga.conftest import Saga, new_user

PAYMENT = payment_step.SERVICE.name
WAIT_MS = 60_000  # a full pass over the stack's whole history


@pytest.fixture(scope="module")
def audited(services: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dashboard over the stack that audits only when asked, from a fresh checkpoint."""
    checkpoint = tmp_path_factory.mktemp("audit") / "dashboard.json"
    settings = DashboardSettings.model_validate({
        **services.settings.model_dump(), "service_urls": {},
        "dashboard_audit_interval_s": 0, "dashboard_audit_checkpoint": checkpoint})
    yield from serving(server(settings))


@pytest.fixture
def unpaid(services: Stack) -> Iterator[str]:
    """A confirmed saga whose payment row is gone (put back afterwards)."""
    client = Saga(services)
    try:
        order_id = client.place(new_user(), 7)
        assert client.final(order_id)["status"] == "CONFIRMED"
        with psycopg.connect(dsn(services.settings, PAYMENT), autocommit=True,
                             row_factory=dict_row) as conn:
            row: dict[str, Any] | None = conn.execute(
                "DELETE FROM payments WHERE order_id = %s RETURNING *", (order_id,)).fetchone()
        assert row is not None
        yield order_id
        with psycopg.connect(dsn(services.settings, PAYMENT), autocommit=True) as conn:
            conn.execute(sql.SQL("INSERT INTO payments ({}) VALUES ({})").format(
                sql.SQL(", ").join(map(sql.Identifier, row)),
                sql.SQL(", ").join(sql.Placeholder() * len(row))), list(row.values()))
    finally:
        for http in (client.order, client.payment, client.inventory):
            http.close()


def test_run_now_shows_the_violation_linked_to_its_saga(
        browser: Browser, audited: str, unpaid: str) -> None:
    context, page = logged_in(browser, audited, "/audit")
    try:
        expect(page.locator("#audit-when")).to_contain_text("no pass yet")
        expect(page.locator("#ops-nav a[href='/audit']")).to_be_visible()
        page.click("#audit-run")
        expect(page.locator("#audit-message")).to_have_text("pass done", timeout=WAIT_MS)
        expect(page.locator("#audit-when")).to_contain_text("by ann, full")
        row = page.locator("#audit-findings tr.violation",
                           has_text="confirmed-not-charged").filter(has_text=unpaid[:8])
        expect(row).to_have_count(1)
        expect(row).to_contain_text(f"order {unpaid}")
        row.locator(f"a[href='/saga/{unpaid}']").click()
        page.wait_for_url(f"{audited}/saga/{unpaid}")
        expect(page.locator("#saga-title")).to_have_text(f"{unpaid}: CONFIRMED", timeout=WAIT_MS)
    finally:
        context.close()

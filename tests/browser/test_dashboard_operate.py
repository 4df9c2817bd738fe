"""Acting from the dashboard (issue 25), end to end against the real stack: a saga made
stuck on purpose (the step it waits on stopped) cancelled from its page after a login, with
its compensations, final state, operator log entry and audit checked; a poison group of dead
letters replayed from the page, twice, with one effect; hostile values shown as text on the
new pages; a cross-site post and an action without a credential refused."""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from sagaline import audit
from sagaline.devstack import Stack
from sagaline.seed_saga import topics
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import local_stack
from tests.integration.saga.conftest import Saga, new_user, wait_for
from tests.integration.saga.redelivery import caught_up

CREDIT = 10_000
PAID = "PAID"  # the status that waits on the step after payment
STUCK_ON = SAGA.statuses.waiting_on(PAID)
CHARGER = SAGA.service(SAGA.consumers_of(topics.ORDER_CREATED)[0])
HOSTILE = "<img src=x onerror=window.pwned=1><script>window.pwned=1</script>"
HOSTILE_SKU = "SKU-<script>window.pwned=1</script>"  # a SKU has at most 64 characters
HOSTILE_USER = "<img src=x onerror=window.pwned=1>"  # no "/": the account's URL has it
SCREENSHOT = Path(__file__).parents[2] / "docs" / "img" / "saga-cancelled.png"
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def saga(services: Stack) -> Iterator[Saga]:
    client = Saga(services)
    client.settle()
    yield client
    client.order.close()
    client.payment.close()
    client.inventory.close()


def logged_in(browser: Browser, base: str, path: str, operator: str = "ann"
              ) -> tuple[BrowserContext, Page]:
    """A browser logged in as `operator` at the login form, on `path`."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{base}/login?next={path}")
    page.fill("#operator", operator)
    page.fill("#key", local_stack.ADMIN_API_KEY)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}{path}")
    expect(page.locator("#ops-nav .who")).to_contain_text(f"acting as {operator}")
    return context, page


def not_run(page: Page) -> None:
    """The hostile values were text: nothing of theirs ran or became an element."""
    assert page.evaluate("window.pwned") is None
    assert page.locator("img[src=x]").count() == 0


def log_of(base: str, saga_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = httpx.get(f"{base}/api/operator-log",
                                           params={"saga": saga_id}).json()
    return rows


def test_a_stuck_saga_cancelled_from_its_page_is_undone_and_logged(
        saga: Saga, browser: Browser, dashboard: str) -> None:
    assert STUCK_ON is not None
    started = datetime.now(UTC)
    user, sku = f"{HOSTILE_USER}-{new_user()}", saga.new_sku(5)
    reason = f"stuck on a stopped step {HOSTILE}"
    saga.stack.stop(STUCK_ON)
    try:
        order_id = saga.place(user, 40, [(sku, 2), (HOSTILE_SKU, 1)])
        wait_for(lambda: saga.order.get(f"/orders/{order_id}").json()["status"] == PAID, 20,
                 "charged, then stuck")
        context, page = logged_in(browser, dashboard, f"/saga/{order_id}")
        expect(page.locator("#waiting-on")).to_have_text(STUCK_ON)
        expect(page.locator("#remaining")).to_have_text(STUCK_ON)
        page.fill("#cancel-reason", reason)
        page.click("#cancel-button")
        expect(page.locator("#cancel-message")).to_have_text(
            "cancelled: CANCELLED (OPERATOR_CANCELLED)", timeout=WAIT_MS)
        view = saga.order.get(f"/orders/{order_id}").json()
        assert (view["status"], view["reason"]) == ("CANCELLED", "OPERATOR_CANCELLED")
        wait_for(lambda: saga.balance(user) == CREDIT, 20, "the charge refunded")
    finally:
        saga.stack.start(STUCK_ON)
    waited_on = SAGA.service(STUCK_ON)
    for topic in waited_on.consumes:
        caught_up(saga.stack.settings, waited_on.consumer_group, topic, 30)
    assert saga.stock(sku) == 5  # reserved late, then released (or never held)

    operator_row = page.locator("#saga-timeline tr.step-operator")
    expect(operator_row).to_contain_text("ann saga.cancel: cancelled (was PAID)",
                                         timeout=WAIT_MS)
    expect(operator_row).to_contain_text(f"(reason: {reason})")
    expect(page.locator("#saga-timeline tr.step-compensation").first).to_be_visible(
        timeout=WAIT_MS)
    expect(page.locator("#saga-record tr[data-field=user]")).to_contain_text(user)
    expect(page.locator("#saga-record tr[data-field=items]")).to_contain_text(HOSTILE_SKU)
    expect(page.locator("#cancel-panel")).to_be_hidden()  # final: nothing more to cancel
    not_run(page)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    page.goto(f"{dashboard}/operator-log")
    expect(page.locator("#operator-log tbody")).to_contain_text(reason)
    not_run(page)
    context.close()

    entries = log_of(dashboard, order_id)
    assert [(e["service"], e["operator"], e["action"], e["reason"], e["result"].split(":")[0])
            for e in entries] == [
        (SAGA.owner, "ann", "saga.cancel", reason, "cancelled (was PAID)")]
    report = audit.run(saga.stack.settings, since=started, wait_s=60, dead_letters_fail=True)
    assert report.ok, report.text()


def test_the_step_a_stuck_saga_waits_on_retried_from_its_page_has_one_effect(
        saga: Saga, browser: Browser, dashboard: str) -> None:
    assert STUCK_ON is not None
    awaited = SAGA.service(SAGA.consumers_of(topics.PAYMENT_CHARGED)[0])
    user, sku = new_user(), saga.new_sku(5)
    saga.stack.stop(STUCK_ON)
    try:
        order_id = saga.place(user, 40, [(sku, 2)])
        wait_for(lambda: saga.order.get(f"/orders/{order_id}").json()["status"] == PAID, 20,
                 "charged, then stuck")
        context, page = logged_in(browser, dashboard, f"/saga/{order_id}")
        expect(page.locator("#retry-topic")).to_have_text(topics.PAYMENT_CHARGED)
        page.fill("#retry-reason", "the reservation never came")
        page.click("#retry-button")
        expect(page.locator("#retry-message")).to_contain_text(
            f"{topics.PAYMENT_CHARGED} sent again", timeout=WAIT_MS)
    finally:
        saga.stack.start(STUCK_ON)
    assert saga.final(order_id, timeout_s=30)["status"] == "CONFIRMED"
    for topic in awaited.consumes:  # the copy too
        caught_up(saga.stack.settings, awaited.consumer_group, topic, 30)
    assert saga.stock(sku) == 3  # reserved once, though the charge came twice
    expect(page.locator("#retry-panel")).to_be_hidden(timeout=WAIT_MS)  # final now
    context.close()
    [entry] = log_of(dashboard, order_id)
    assert (entry["service"], entry["operator"], entry["action"]) == (
        SAGA.producer_of(topics.PAYMENT_CHARGED), "ann", "saga.retry")


def _dead_order_created(saga: Saga, user: str, cause: str) -> str:
    """A valid order.created as if its consumer had dead-lettered it for `cause`."""
    order_id = str(uuid.uuid4())
    now = datetime.now(UTC).isoformat()
    value = orjson.dumps({"orderId": order_id, "userId": user, "totalAmount": 30,
                          "createdAt": now})
    headers = {"event-id": str(uuid.uuid4()), "occurred-at": now, "correlation-id": order_id,
               "dlq-source-topic": topics.ORDER_CREATED, "dlq-error-type": "RuntimeError",
               "dlq-error": f"bug in rule {cause} {HOSTILE} for {order_id}",
               "dlq-consumer": CHARGER.consumer_group}
    saga.produce(CHARGER.dead_letter_topic, value, order_id.encode(), headers)
    return order_id


def test_a_poison_group_replayed_from_the_page_twice_has_one_effect(
        saga: Saga, browser: Browser, dashboard: str) -> None:
    cause = "".join(random.choices(string.ascii_lowercase, k=12))  # no digits: not masked
    users = [new_user() for _ in range(3)]
    orders = [_dead_order_created(saga, user, cause) for user in users]
    context, page = logged_in(browser, dashboard, f"/dead-letters?service={CHARGER.name}",
                              operator="bob")
    row = page.locator("#dlq-groups tbody tr", has_text=cause)
    wait_for(lambda: _reloaded_until(page, row), 20, "the group of three on the page")
    expect(row.locator("td").nth(2)).to_have_text("3")
    expect(row).to_contain_text(f"bug in rule {cause} {HOSTILE}".replace("1", "…"))
    not_run(page)

    row.locator("input[data-kind=group]").check()
    page.click("#dlq-plan")  # the dry run
    expect(page.locator("#dlq-message")).to_contain_text(
        "would replay 3 letters (3 to order.created)")
    assert all(saga.balance(u) is None for u in users)  # the dry run sent nothing

    for attempt in ("first", "again"):
        row.locator("input[data-kind=group]").check()
        page.fill("#dlq-reason", attempt)
        page.fill("#dlq-rate", "2")  # two a second: a bulk action paced
        loaded = page.evaluate("window.dlqPage.loaded")
        page.click("#dlq-replay")
        expect(page.locator("#dlq-job")).to_have_text(
            "dlq.replay by bob: done — replayed 3", timeout=WAIT_MS)
        page.wait_for_function(f"window.dlqPage.loaded > {loaded}")  # the list read again
        caught_up(saga.stack.settings, CHARGER.consumer_group, topics.ORDER_CREATED, 30)
        assert [saga.balance(u) for u in users] == [CREDIT - 30] * 3  # charged once
    context.close()
    wait_for(lambda: any(cause in g["error"] and g["handled"] == 3 for g in httpx.get(
        f"{dashboard}/api/dlq/{CHARGER.name}/groups", timeout=30).json()), 20, "handled since")
    assert [(e["operator"], e["action"], e["reason"], e["result"])
            for e in log_of(dashboard, orders[0])] == [
        ("bob", "dlq.replay", "again", "replayed 3"),
        ("bob", "dlq.replay", "first", "replayed 3")]


def _reloaded_until(page: Page, row: Any) -> bool:
    if row.count():
        return True
    page.evaluate("window.dlqPage.loaded = 0")
    page.select_option("#dlq-service", CHARGER.name)
    page.wait_for_function("window.dlqPage.loaded > 0", timeout=WAIT_MS)
    return bool(row.count())


def test_the_search_pages_past_the_newest_and_shows_hostile_values_as_text(
        saga: Saga, browser: Browser, dashboard: str) -> None:
    user = f"{HOSTILE}-{new_user()}"
    placed = [saga.place(user, 1) for _ in range(3)]
    for order_id in placed:
        saga.final(order_id)
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script("window.searchPageSize = 2")
    page.goto(f"{dashboard}/search")
    page.fill("#search-user", user)
    page.click("#search-form button[type=submit]")
    rows = page.locator("#search-results tbody tr")
    expect(page.locator("#search-page")).to_have_text("page 1")
    expect(rows).to_have_count(2)
    first = [rows.nth(i).get_attribute("data-saga-id") for i in range(2)]
    page.click("#search-next")
    expect(page.locator("#search-page")).to_have_text("page 2")
    expect(rows).to_have_count(1)
    assert sorted(map(str, [*first, rows.first.get_attribute("data-saga-id")])) == sorted(placed)
    expect(page.locator("#search-next")).to_be_disabled()
    expect(rows.first).to_contain_text(user)
    not_run(page)
    exported = page.request.get(dashboard + (page.locator("#export-csv").get_attribute("href")
                                             or ""))
    assert exported.headers["content-disposition"].startswith("attachment")
    lines = exported.text().strip().splitlines()
    assert len(lines) == 4 and all(user in line for line in lines[1:])
    as_json = page.request.get(dashboard + (page.locator("#export-json").get_attribute("href")
                                            or "")).json()
    assert sorted(r["saga_id"] for r in as_json) == sorted(placed)
    page.fill("#search-user", "")
    page.fill("#search-id", placed[0][:13])  # a prefix, with its dash
    page.click("#search-form button[type=submit]")
    expect(rows.first).to_have_attribute("data-saga-id", placed[0])
    context.close()


EVIL_PAGE = """<!doctype html><form id=f method=post action="{target}">
<input name=reason value=evil><input name=csrf value=guessed></form>
<script>document.getElementById('f').submit()</script>"""


def test_a_cross_site_post_and_an_action_without_credential_are_refused(
        saga: Saga, browser: Browser, dashboard: str) -> None:
    order_id = saga.place(new_user(), 1)
    target = f"{dashboard}/api/sagas/{order_id}/cancel"
    context, page = logged_in(browser, dashboard, "/search")  # the victim is logged in
    context.route("http://evil.example/**", lambda route: route.fulfill(
        content_type="text/html", body=EVIL_PAGE.format(target=target)))
    evil = context.new_page()
    with evil.expect_response(target) as answer:
        evil.goto("http://evil.example/")
    assert answer.value.status == 403 and "another origin" in answer.value.text()

    without_token = page.evaluate("""async (url) => {
        const r = await fetch(url, {method: "POST", body: new URLSearchParams({reason: "x"})});
        return [r.status, await r.text()]; }""", target)
    assert without_token[0] == 403 and "CSRF" in without_token[1]
    context.close()

    stranger = browser.new_context()
    nobody = stranger.new_page()
    nobody.goto(f"{dashboard}/search")
    refused = nobody.evaluate("""async (url) => {
        const r = await fetch(url, {method: "POST", body: new URLSearchParams({reason: "x",
            csrf: "guessed"})});
        return [r.status, await r.text()]; }""", target)
    assert refused[0] == 401 and "log in" in refused[1]
    expect(nobody.locator("#login-link")).to_be_visible()
    stranger.close()
    assert log_of(dashboard, order_id) == []  # nothing was done, nothing logged
    assert saga.final(order_id)["reason"] != "OPERATOR_CANCELLED"

"""The shipping example on real Kafka and Postgres, from the user's own project: the demo
runs every path (shipping's compensation among them) and its audit is clean; the auditor,
the shipment API and the dashboard's four lanes; shipping crashed at each of its fault
points and killed -9 under load, with every saga final and the audit clean after."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from user_project import SAGA_REF, Project

SHIPPING = "shipping"


@pytest.fixture
def in_project(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    """This process working from the user's project (its saga chosen, its stack dir), as the
    CLI there would: for the chaos test, which drives the stack from here."""
    monkeypatch.chdir(project.dir)
    monkeypatch.setenv("SAGALINE_SAGA", SAGA_REF)
    monkeypatch.setenv("SHIPPING_FAILURE_RATE", "0")
    monkeypatch.syspath_prepend(str(project.dir))
    yield project


def test_the_demo_runs_every_path_with_a_clean_audit(project: Project) -> None:
    done = project.sagaline("demo", "--saga", SAGA_REF, "--orders", "40")
    out = done.stdout + done.stderr
    assert "CONFIRMED" in out and "INJECTED_FAILURE" in out, out  # shipping failed some
    assert project.sagaline("check", "--saga", SAGA_REF, "--wait", "30").returncode == 0


def test_a_confirmed_order_has_its_parcel_scheduled(project: Project) -> None:
    order = httpx.post("http://127.0.0.1:4001/orders", json={
        "userId": "e2e-parcel", "totalAmount": 5, "items": [{"sku": "SKU-1", "quantity": 1}]},
        timeout=10).json()["orderId"]
    deadline = time.monotonic() + 30
    while (status := httpx.get(f"http://127.0.0.1:4001/orders/{order}").json()["status"]) \
            not in ("CONFIRMED", "CANCELLED") and time.monotonic() < deadline:
        time.sleep(0.2)
    shipment = httpx.get(f"http://127.0.0.1:4004/shipments/{order}", timeout=10)
    if status == "CONFIRMED":
        assert shipment.json()["status"] == "SCHEDULED"
    else:  # failed at random: cancelled with shipping's reason, the parcel refused
        assert shipment.json()["status"] == "FAILED"


def test_the_dashboard_shows_a_lane_per_step(project: Project) -> None:
    saga = httpx.get("http://127.0.0.1:4000/api/saga", timeout=10).json()
    assert [s["name"] for s in saga["services"]] == ["order", "payment", "inventory",
                                                    SHIPPING]
    from playwright.sync_api import sync_playwright

    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{chromium} is missing", pytrace=False)
        pytest.skip(f"{chromium} is missing")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        page = browser.new_page()
        page.goto("http://127.0.0.1:4000/")
        lanes = page.locator("#timeline thead th[data-service]")
        lanes.nth(3).wait_for(timeout=15_000)
        assert lanes.all_inner_texts() == ["order", "payment", "inventory", SHIPPING]
        browser.close()


@pytest.mark.timeout(900)
def test_shipping_crashed_at_its_fault_points_and_killed_under_load(
        in_project: Project) -> None:
    from sagaline import audit, saga_choice
    from sagaline.chaos import disruptions
    from sagaline.chaos.fault_plan import fault_points
    from sagaline.chaos.load import SagaStream
    from sagaline.devstack import Stack
    from sagaline.settings import StackSettings

    saga = saga_choice.load()
    stack = Stack(StackSettings(stack_dir=in_project.dir / ".stack"))
    started = datetime.now(UTC)
    stream = SagaStream("http://127.0.0.1:4001", 15.0, saga).start()
    try:
        points = [p for p in fault_points(saga) if p.service == SHIPPING]
        missed = [str(p) for p in points if not disruptions.crash_at(stack, p)]
        assert points and not missed, f"fault points never reached: {missed}"
        stack.kill(SHIPPING, signal.SIGKILL)
        time.sleep(2)
        stack.start(SHIPPING)
    finally:
        counts = stream.stop()
    assert len(counts.accepted) > 50 and not counts.given_up
    report = audit.run(stack.settings, since=started, wait_s=180, saga=saga)
    print(report.text(), file=sys.stderr)
    assert report.idle, report.text()

"""The dashboard's limits in a real browser, without a stack: served in this process for the
four-step saga of the unit tests over fakes (as test_dashboard_declared does). A page the
server refuses a stream to (as many pages open as DASHBOARD_MAX_STREAMS) says so, and takes
the stream once a slot is free."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from sagaline.dashboard import api
from sagaline.ops.dlq import DeadLetter
from sagaline.settings import DashboardSettings
from tests.browser.conftest import Watched, opened, quiet_server, serving
from tests.browser.test_dashboard_declared import FAKES
from tests.unit.test_dashboard_declared import FOUR, FakeDatabases, FakeKafka

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

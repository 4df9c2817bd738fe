"""The browser tier: the dashboard, served in this process on a free port with a short
STUCK_AFTER_S, over the real stack (`services`), in Debian's headless Chromium driven by
Playwright. No browser is ever downloaded: without /usr/bin/chromium these tests skip, and
under CI=true they fail (CI installs it: `make browser`)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from sagaline.dashboard.server import server
from sagaline.devstack import Stack
from sagaline.settings import DashboardSettings

HERE = Path(__file__).parent
CHROMIUM = "/usr/bin/chromium"
STUCK_AFTER_S = 2.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> str:
    if shutil.which(CHROMIUM) is None:
        message = f"{CHROMIUM} is missing (Debian's chromium package: `make browser`)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def dashboard(services: Stack) -> Iterator[str]:
    """The dashboard's base URL; it reads the stack the `services` fixture runs."""
    s = services.settings
    settings = DashboardSettings(
        kafka_bootstrap_servers=s.kafka_bootstrap_servers,
        kafka_client_config=s.kafka_client_config,
        order_db_dsn=s.order_db_dsn, payment_db_dsn=s.payment_db_dsn,
        inventory_db_dsn=s.inventory_db_dsn, http_host=s.http_host,
        order_http_port=s.order_http_port, payment_http_port=s.payment_http_port,
        inventory_http_port=s.inventory_http_port, stuck_after_s=STUCK_AFTER_S,
        service_urls={})
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a free port the kernel picks: never a stack's
    web = server(settings)
    thread = threading.Thread(target=web.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not web.started:
        assert thread.is_alive(), "the dashboard did not start"
        threading.Event().wait(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    web.should_exit = True
    thread.join(timeout=15)
    sock.close()


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    # Module scope: Playwright's sync API keeps an asyncio loop running in this thread while
    # it is open, and later tiers' asyncio.run() would refuse to start.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True,
                                              args=["--no-sandbox"])  # CI runs as root
        yield launched
        launched.close()


class Watched:
    """A page, with the console errors and the requests off its own origin seen on it."""

    def __init__(self, page: Page, base: str) -> None:
        self.page, self.base = page, base
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("request", self._request)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _request(self, request: Request) -> None:
        # A blob: URL names the page's own origin after its scheme (no network request).
        origin = urlsplit(request.url.removeprefix("blob:"))
        if origin.scheme != "data" and f"{origin.scheme}://{origin.netloc}" != self.base:
            self.foreign.append(request.url)


@pytest.fixture
def page(browser: Browser, dashboard: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    watched = Watched(context.new_page(), dashboard)
    watched.page.goto(dashboard)
    watched.page.wait_for_function("document.querySelector('#updated').textContent"
                                   ".startsWith('updated')", timeout=10_000)
    yield watched
    context.close()

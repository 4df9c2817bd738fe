"""The browser tier: the dashboard, served in this process on a free port with a short
STUCK_AFTER_S, over the real stack (`services`) running the chosen saga (SAGALINE_SAGA, else
the seed's), in Debian's headless Chromium driven by Playwright. No browser is ever
downloaded: without /usr/bin/chromium these tests skip, and under CI=true they fail (CI
installs it: `make browser`)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from sagaline.core.http.server import QuietServer
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
    """The dashboard's base URL; it reads the stack the `services` fixture runs (every
    service's database and port as the stack's settings name them)."""
    settings = DashboardSettings.model_validate({
        **services.settings.model_dump(), "stuck_after_s": STUCK_AFTER_S, "service_urls": {}})
    yield from serving(server(settings))


def serving(web: uvicorn.Server) -> Iterator[str]:
    """Runs `web` on a thread, on a free port the kernel picks (never a stack's); yields its
    base URL, and stops it after."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=web.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not web.started:  # uvicorn sets it once listening; no event to wait on
        assert thread.is_alive(), "the dashboard did not start"
        assert time.monotonic() < deadline, "the dashboard did not start within 30 s"
        threading.Event().wait(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    web.should_exit = True
    thread.join(timeout=15)
    sock.close()


def quiet_server(app: FastAPI) -> uvicorn.Server:
    """A server for an app built in a test, as `sagaline dashboard` serves its own."""
    return QuietServer(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2))


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
    yield from opened(browser, dashboard)


def next_snapshots(page: Watched, count: int, timeout_ms: float = 10_000) -> None:
    """Until the page has drawn `count` more snapshots (each one also fetches the saga list
    and the open timeline again): a signal the page gives, not a pause."""
    for _ in range(count):
        at = page.page.evaluate("window.sagaDashboard.snapshot.at")
        page.page.wait_for_function("(at) => window.sagaDashboard.snapshot.at > at", arg=at,
                                    timeout=timeout_ms)


def opened(browser: Browser, base: str) -> Iterator[Watched]:
    """The dashboard's page at `base`, once it has shown its first snapshot."""
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    watched = Watched(context.new_page(), base)
    watched.page.goto(base)
    watched.page.wait_for_function("document.querySelector('#updated').textContent"
                                   ".startsWith('updated')", timeout=10_000)
    yield watched
    context.close()

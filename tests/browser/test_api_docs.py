"""Each service's API docs render in a real browser with no request off the service's own
origin: Swagger UI at /docs and ReDoc at /redoc come from the installed package, not a CDN,
so they work on a machine without internet."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from sagaline import saga_choice
from sagaline.devstack import Stack
from tests.browser.conftest import Watched

# What each page draws once its script has read /openapi.json.
RENDERED = {"/docs": ".swagger-ui .opblock", "/redoc": "[data-section-id^='operation']"}
SAGA = saga_choice.load()  # the saga the stack runs


@pytest.fixture
def docs_page(browser: Browser, services: Stack, service: str) -> Iterator[Watched]:
    base = f"http://127.0.0.1:{services.settings.http_port(service, SAGA)}"
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield Watched(context.new_page(), base)
    context.close()


@pytest.mark.parametrize("path", sorted(RENDERED))
@pytest.mark.parametrize("service", SAGA.names)
def test_the_api_docs_render_from_the_service_alone(docs_page: Watched, path: str) -> None:
    docs_page.page.goto(docs_page.base + path)
    docs_page.page.wait_for_selector(RENDERED[path], timeout=15_000)
    assert docs_page.page.locator(RENDERED[path]).count() >= 1
    assert docs_page.foreign == []
    assert docs_page.errors == []

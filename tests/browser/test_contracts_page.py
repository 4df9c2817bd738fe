"""The dashboard's contract page draws the saga's AsyncAPI document in a real browser with the
vendored renderer, and no request leaves the dashboard's origin. The dashboard is served in
this process for the chosen saga (SAGALINE_SAGA, else the seed's) without its collector: the
page reads only the declaration, so no stack is needed."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, Request

from sagaline import saga_choice
from sagaline.core.http.server import QuietServer
from sagaline.dashboard import api
from sagaline.settings import DashboardSettings
from tests.browser.conftest import Watched, serving
from tests.unit.test_dashboard_declared import FakeDatabases, FakeKafka

SAGA = saga_choice.load()


@pytest.fixture(scope="module")
def contracts_dashboard() -> Iterator[str]:
    app = api.create_app(DashboardSettings.model_construct(), SAGA,
                         FakeDatabases(SAGA.names), FakeKafka({}))
    # lifespan off: the collector (which would read the fake databases) never starts.
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    yield from serving(QuietServer(config))


@pytest.fixture
def contract_page(browser: Browser, contracts_dashboard: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield Watched(context.new_page(), contracts_dashboard)
    context.close()


def test_the_page_draws_every_declared_topic_from_this_origin_alone(
        contract_page: Watched) -> None:
    page = contract_page.page
    requested: list[Request] = []
    page.on("request", lambda request: requested.append(request))
    page.goto(contract_page.base + "/contracts")
    page.wait_for_function(
        "topics => topics.every(t => document.querySelector('#asyncapi').innerText.includes(t))",
        arg=list(SAGA.topics), timeout=20_000)
    drawn = page.locator("#asyncapi").inner_text()
    assert all(topic in drawn for topic in SAGA.topics)
    assert SAGA.name in page.locator("#contract-status").inner_text()
    host = urlsplit(contract_page.base).netloc
    urls = [r.url for r in requested if not r.url.startswith("data:")]
    assert {urlsplit(url).netloc for url in urls} == {host}
    assert {"/contracts", "/static/vendor/asyncapi-react/index.js",
            "/api/asyncapi.json"} <= {urlsplit(url).path for url in urls}
    assert contract_page.foreign == []
    assert contract_page.errors == []

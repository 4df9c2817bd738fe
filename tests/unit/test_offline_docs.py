"""/docs and /redoc render without internet: every script, style, icon and spec they load is
served by the service itself (fastapi-offline ships Swagger UI's and ReDoc's files)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sagaline.core.http import api_docs
from sagaline.core.http.app import create_app
from sagaline.core.runtime.compose import compose
from sagaline.core.runtime.service import Service
from sagaline.core.saga import Service as Declared
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.messaging import InMemoryPublisher, InMemorySource
from tests.service_settings import settings_for

pytestmark = pytest.mark.unit


def _composer(service: Declared[Any]) -> Callable[[], Service]:
    return lambda: compose(SAGA, service.name, settings_for(service.settings),
                           unit_of_work=service.fake, publisher=InMemoryPublisher(),
                           source=InMemorySource())


# Each service of the saga as its composition root builds it, on its declared fake.
SERVICES: dict[str, Callable[[], Service]] = {s.name: _composer(s) for s in SAGA.services}
# Any absolute or protocol-relative URL, in an attribute or in a script.
OFF_ORIGIN = re.compile(r"(?:https?:)?//[\w.-]+\.\w+", re.IGNORECASE)


class Loads(HTMLParser):
    """The URLs a page makes the browser fetch: src, href of links, ReDoc's spec-url."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, url in attrs:
            if url and (name in ("src", "spec-url") or (tag == "link" and name == "href")):
                self.urls.append(url)


@pytest.fixture(params=sorted(SERVICES))
def client(request: pytest.FixtureRequest) -> TestClient:
    return TestClient(SERVICES[request.param]().app)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_load_only_same_origin_urls_and_each_answers(client: TestClient,
                                                               page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    assert OFF_ORIGIN.findall(response.text) == []
    loads = Loads()
    loads.feed(response.text)
    scripts = [u for u in loads.urls if u.endswith(".js")]
    assert scripts, "the page loads its renderer from this server"
    for url in loads.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url


def test_the_swagger_ui_script_it_loads_is_the_bundle_and_its_spec_is_ours(
        client: TestClient) -> None:
    page = client.get("/docs").text
    assert "url: '/openapi.json'" in page
    bundle = client.get("/static-offline-docs/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in bundle.text and len(bundle.content) > 500_000
    styles = client.get("/static-offline-docs/swagger-ui.css").text
    assert not [u for u in re.findall(r"url\(([^)]*)\)", styles)
                if not u.strip("'\"").startswith("data:")]  # no fonts or images from afar
    assert client.get("/openapi.json").status_code == 200


def test_the_redoc_bundle_draws_its_logo_without_the_cdn() -> None:
    # ReDoc's bundle fetches its "API docs by Redocly" logo from cdn.redoc.ly (found by the
    # browser tier); the service serves the bundle with an inline image instead.
    app = create_app("t", [], [], 4096)
    bundle = TestClient(app).get(api_docs.BUNDLE)
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith(
        "text/javascript")
    assert api_docs.CDN_LOGO.encode() not in bundle.content
    assert api_docs.NO_LOGO.encode() in bundle.content

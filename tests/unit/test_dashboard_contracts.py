"""The dashboard serves the whole saga's AsyncAPI document and a page that draws it with the
vendored renderer: the page loads only same-origin files (each one there, and packaged),
under a Content-Security-Policy that allows nothing off its origin; foreign Host names are
refused as on every other route. The browser tier draws it (tests/browser/)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sagaline import saga_choice
from sagaline.contracts.asyncapi import document
from sagaline.core.saga import Saga
from sagaline.dashboard import api, contracts
from sagaline.settings import DashboardSettings
from tests.unit.test_asyncapi_document import EXAMPLE
from tests.unit.test_dashboard_declared import FakeDatabases, FakeKafka

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
STATIC = Path(contracts.__file__).parent / "static"
VENDOR = STATIC / "vendor" / "asyncapi-react"


@pytest.fixture(params=["sagaline.seed_saga.saga:SAGA", "shipping_saga:SAGA"])
def saga(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Saga:
    monkeypatch.chdir(EXAMPLE)  # where a user of the example runs from
    return saga_choice.load(request.param)


def client(saga: Saga) -> TestClient:
    app = api.create_app(DashboardSettings.model_construct(), saga,
                         FakeDatabases(saga.names), FakeKafka({}))
    return TestClient(app, base_url="http://127.0.0.1")  # no `with`: no collector


def test_the_whole_sagas_document_is_served(saga: Saga) -> None:
    served = client(saga).get("/api/asyncapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(json.dumps(document(saga)))
    assert set(served.json()["channels"]) == set(saga.topics)


def test_the_page_loads_only_same_origin_files_that_exist(saga: Saga) -> None:
    web = client(saga)
    page = web.get("/contracts")
    assert page.status_code == 200 and 'id="asyncapi"' in page.text
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/static/vendor/asyncapi-react/index.js" in urls
    assert "/static/vendor/asyncapi-react/default.min.css" in urls
    for url in urls:
        assert url.startswith(("/", "data:")) and not url.startswith("//"), url
        if url.startswith("/"):
            assert web.get(url).status_code == 200, url


def test_the_page_allows_nothing_off_its_origin() -> None:
    policy = client(saga_choice.load()).get("/contracts").headers["content-security-policy"]
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["default-src"] == "'none'"
    for name, sources in directives.items():
        assert all(s in {"'self'", "'none'", "'unsafe-eval'", "data:"}
                   for s in sources.split()), (name, sources)


def test_a_foreign_host_is_refused() -> None:
    web = client(saga_choice.load())
    for path in ("/contracts", "/api/asyncapi.json"):
        assert web.get(path, headers={"Host": "evil.example"}).status_code == 400


def test_the_main_page_links_the_contract_page() -> None:
    assert 'href="/contracts"' in (STATIC / "index.html").read_text()


def test_the_renderer_is_vendored_with_its_licence_and_packaged() -> None:
    assert {"LICENSE", "README", "index.js", "default.min.css"} <= {
        p.name for p in VENDOR.iterdir()}
    assert "@asyncapi/react-component@" in (VENDOR / "README").read_text()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["sagaline.dashboard"]
    for path in VENDOR.iterdir():
        relative = path.relative_to(STATIC.parent)
        assert any(relative.match(p) for p in patterns), relative

"""The dashboard answers only under a name it is known by: a page on another site whose name
resolves to the dashboard's address (DNS rebinding) sends its own name as Host, and is
refused before any read. Allowed: the bind address, 127.0.0.1, localhost, [::1], and
DASHBOARD_ALLOWED_HOSTS."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sagaline.dashboard import api
from sagaline.settings import DashboardSettings
from tests.unit.test_dashboard_declared import FOUR, FakeDatabases, FakeKafka

pytestmark = pytest.mark.unit


def client(**settings: Any) -> TestClient:
    app = api.create_app(DashboardSettings.model_construct(**settings), FOUR,
                         FakeDatabases(FOUR.names), FakeKafka({}))
    app.state.collector._stop.set()  # not started (no `with`): an event stream ends at once
    return TestClient(app, base_url="http://127.0.0.1:4000")


@pytest.mark.parametrize("host", ["evil.example:4000", "evil.example", "127.0.0.1.evil.example",
                                  "localhost.evil.example:4000", "10.0.0.5:4000", ""])
@pytest.mark.parametrize("path", ["/", "/api/saga", "/api/sagas", "/api/snapshot",
                                  "/api/events", "/static/app.js", "/healthz"])
def test_a_request_under_another_name_is_refused(host: str, path: str) -> None:
    response = client().get(path, headers={"Host": host})
    assert response.status_code == 400
    assert "host" in response.text.lower()


@pytest.mark.parametrize("host", ["127.0.0.1:4000", "localhost:4000", "LOCALHOST", "[::1]:4000",
                                  "127.0.0.1"])
def test_the_loopback_names_are_allowed(host: str) -> None:
    assert client().get("/api/saga", headers={"Host": host}).status_code == 200


def test_the_bind_address_and_the_configured_names_are_allowed() -> None:
    app = client(dashboard_host="10.0.0.5",
                 dashboard_allowed_hosts=["dash.example.com", "*.ops.example"])
    for host in ("10.0.0.5:4000", "dash.example.com", "board.ops.example:443"):
        assert app.get("/api/saga", headers={"Host": host}).status_code == 200, host
    assert app.get("/api/saga", headers={"Host": "evil.example"}).status_code == 400


def test_a_wildcard_bind_address_allows_no_name_of_its_own() -> None:
    app = client(dashboard_host="0.0.0.0")
    assert app.get("/api/saga", headers={"Host": "0.0.0.0:4000"}).status_code == 400
    assert app.get("/api/saga", headers={"Host": "127.0.0.1:4000"}).status_code == 200


def test_the_allowed_names_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_ALLOWED_HOSTS", " dash.example.com, *.ops.example ,")
    assert DashboardSettings().dashboard_allowed_hosts == ["dash.example.com", "*.ops.example"]


@pytest.mark.parametrize("bad", ["evil*.example", "a.*.example", "*example.com"])
def test_a_pattern_the_check_cannot_match_is_refused_at_start(bad: str) -> None:
    with pytest.raises(ValueError, match="DASHBOARD_ALLOWED_HOSTS"):
        DashboardSettings(dashboard_allowed_hosts=[bad])

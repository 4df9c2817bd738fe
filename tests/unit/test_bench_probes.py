"""The side-by-side bench's probes: a request that fails to connect or times out is counted
among the errors instead of ending the run; the first render says why it has no figure."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from sagaline.bench import first_render, request_probe
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import StackSettings

pytestmark = pytest.mark.unit
REAL_CLIENT = httpx.Client


def refusing(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def client_on(handler: Callable[[httpx.Request], httpx.Response]) -> Callable[..., Any]:
    def make(**kwargs: Any) -> httpx.Client:
        return REAL_CLIENT(transport=httpx.MockTransport(handler), **kwargs)
    return make


def test_start_and_read_counts_a_refused_connection_as_an_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sagaline.bench.request_probe.httpx.Client", client_on(refusing))
    found = request_probe.start_and_read(StackSettings(), SAGA, 1000.0, 0.003, ("u1",))
    assert found["errors"] == 3 and "ConnectError" in found["error_sample"][0]
    assert found["saga_ids"] == [] and found["post"]["count"] == 0


def test_the_dashboard_probe_counts_a_timeout_as_an_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    monkeypatch.setattr("sagaline.bench.request_probe.httpx.Client", client_on(slow))
    found = request_probe.dashboard_api("http://dashboard", ["s1"], rounds=1, every_s=0.0)
    assert found["errors"] == 8  # 4 endpoints, the uncounted round 0 and round 1
    assert found["all"]["count"] == 0


class BrowserError(Exception):
    pass


def fake_playwright(monkeypatch: pytest.MonkeyPatch, launch: Callable[..., Any]) -> None:
    """A browser that is found and a playwright whose launch is `launch`."""
    class Playwright:
        chromium = types.SimpleNamespace(launch=launch)

        def __enter__(self) -> Playwright:
            return self

        def __exit__(self, *_: object) -> None:
            return None

    module = types.ModuleType("playwright.sync_api")
    module.Error, module.sync_playwright = BrowserError, Playwright  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "playwright.sync_api", module)
    monkeypatch.setattr("sagaline.bench.first_render.shutil.which",
                        lambda _: first_render.CHROMIUM)


def test_a_browser_error_without_a_message_is_named_by_its_kind(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(**_: Any) -> None:
        raise BrowserError("")

    fake_playwright(monkeypatch, fails)
    found = first_render.measure("http://dashboard", 1)
    assert found["ms"] is None and found["why_none"] == "browser: BrowserError"


def test_no_render_asked_has_no_figure_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    def launch(**_: Any) -> Any:
        return types.SimpleNamespace(close=lambda: None)

    fake_playwright(monkeypatch, launch)
    found = first_render.measure("http://dashboard", 0)
    assert found["ms"] is None and "no render" in found["why_none"]

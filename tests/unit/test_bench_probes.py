"""The side-by-side bench's probes: a request that fails to connect or times out is counted
among the errors instead of ending the run; the first render says why it has no figure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from sagaline.bench import request_probe
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
    monkeypatch.setattr(request_probe.httpx, "Client", client_on(refusing))
    found = request_probe.start_and_read(StackSettings(), SAGA, 1000.0, 0.003, ("u1",))
    assert found["errors"] == 3 and "ConnectError" in found["error_sample"][0]
    assert found["saga_ids"] == [] and found["post"]["count"] == 0


def test_the_dashboard_probe_counts_a_timeout_as_an_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    monkeypatch.setattr(request_probe.httpx, "Client", client_on(slow))
    found = request_probe.dashboard_api("http://dashboard", ["s1"], rounds=1, every_s=0.0)
    assert found["errors"] == 8  # 4 endpoints, the uncounted round 0 and round 1
    assert found["all"]["count"] == 0

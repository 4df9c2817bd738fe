"""Open event streams are capped (DASHBOARD_MAX_STREAMS): one more is answered 503 with a body
that says why, and a stream's slot is free again once its client has gone. Served by uvicorn
in this process on a port the kernel picks, over the fakes of the declared four-step saga;
the collector is not started (lifespan off): streams stay open, and nothing is read."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn

from sagaline.dashboard import api
from sagaline.settings import DashboardSettings
from tests.unit.test_dashboard_declared import FOUR, FakeDatabases, FakeKafka

if TYPE_CHECKING:
    from fastapi import FastAPI

    from sagaline.dashboard.streams import StreamSlots

pytestmark = pytest.mark.unit
CAP = 3
FREED_WITHIN_S = 5.0


@pytest.fixture
def served() -> Iterator[tuple[str, FastAPI]]:
    """The dashboard's base URL and its app."""
    app = api.create_app(DashboardSettings.model_construct(dashboard_max_streams=CAP), FOUR,
                         FakeDatabases(FOUR.names), FakeKafka({}))
    web = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning",
                                        timeout_graceful_shutdown=1))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=web.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not web.started:
        assert thread.is_alive(), "the dashboard did not start"
        threading.Event().wait(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", app
    web.should_exit = True
    thread.join(timeout=10)
    sock.close()


def open_stream(streams: ExitStack, base: str) -> httpx.Response:
    """A stream of its own (client and connection), closed with `streams`."""
    client = streams.enter_context(httpx.Client(base_url=base, timeout=5))
    return streams.enter_context(client.stream("GET", "/api/events"))


def slots(app: FastAPI) -> StreamSlots:
    return app.state.streams  # type: ignore[no-any-return]


def test_streams_past_the_cap_are_refused_with_a_reason(served: tuple[str, FastAPI]) -> None:
    base, app = served
    with ExitStack() as streams:
        answers = [open_stream(streams, base) for _ in range(5 * CAP)]
        statuses = [r.status_code for r in answers]
        assert statuses == [200] * CAP + [503] * 4 * CAP
        assert answers[0].headers["content-type"].startswith("text/event-stream")
        refused = answers[-1]
        refused.read()
        assert "DASHBOARD_MAX_STREAMS" in refused.text and str(CAP) in refused.text
        assert refused.headers["retry-after"]
        assert slots(app).in_use == CAP
    assert slots(app).wait_until_at_most(0, FREED_WITHIN_S), "slots still held"


def test_a_client_that_goes_frees_its_slot(served: tuple[str, FastAPI]) -> None:
    base, app = served
    with ExitStack() as kept:
        for _ in range(CAP - 1):
            assert open_stream(kept, base).status_code == 200
        for _ in range(3 * CAP):  # one client after the other: each leaves its slot
            with ExitStack() as one:
                assert open_stream(one, base).status_code == 200
                assert open_stream(one, base).status_code == 503  # the cap holds
            assert slots(app).wait_until_at_most(CAP - 1, FREED_WITHIN_S), "a slot not freed"

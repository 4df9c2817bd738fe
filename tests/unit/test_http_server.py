"""The services' uvicorn server ticks once a second when idle, yet stops at once when told."""

from __future__ import annotations

import signal
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from sagaline.core.http import server as http_server
from sagaline.core.http.server import QuietServer

pytestmark = pytest.mark.unit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_stop_request_ends_the_idle_tick_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_server, "TICK_S", 30.0)  # a stop must not wait for the tick
    app, port = FastAPI(), free_port()
    app.get("/")(lambda: {"ok": True})
    server = QuietServer(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run)  # no signal handlers off the main thread
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert httpx.get(f"http://127.0.0.1:{port}/").json() == {"ok": True}
    time.sleep(0.3)  # inside the tick's wait now
    started = time.monotonic()
    server.handle_exit(signal.SIGTERM, None)
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - started < 0.5

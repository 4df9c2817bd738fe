"""`/ready` answers within its bound when a check hangs (a database link that swallows every
packet: the query is never answered, and no server-side timeout can fire), and a hung check
is not started again on every probe."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from sagaline.core.http.app import create_app

pytestmark = pytest.mark.unit


def test_a_check_that_never_answers_makes_ready_say_503_in_time() -> None:
    released = threading.Event()
    calls: list[float] = []

    def database() -> str | None:  # stuck on a link that swallows every packet
        calls.append(time.monotonic())
        released.wait(30)
        return None

    app = create_app("t", [], [database, lambda: None], max_body_bytes=1000)
    answers: list[tuple[int, float]] = []

    def probe() -> None:
        with TestClient(app) as client:
            for _ in range(3):
                began = time.monotonic()
                answers.append((client.get("/ready").status_code, time.monotonic() - began))

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    prober.join(12)
    released.set()
    assert len(answers) == 3, f"/ready hung: {len(answers)} of 3 probes answered"
    assert all(code == 503 and took < 3.0 for code, took in answers), answers
    assert len(calls) == 1  # the probes waited on the one check still under way


def test_ready_again_once_the_check_answers() -> None:
    app = create_app("t", [], [lambda: None], max_body_bytes=1000)
    with TestClient(app) as client:
        assert client.get("/ready").status_code == 200

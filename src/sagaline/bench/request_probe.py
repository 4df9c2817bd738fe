"""Client-side request latency, measured in short paced bursts of the side-by-side bench:
the saga's start (POST of its start path) and read (GET of the path with the saga's id), and
the JSON endpoints the dashboard's page polls. One keep-alive connection, requests one at a
time on a schedule: what one user sees, not the capacity (the steps measure that)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from sagaline.bench.loadgen import JSON, bodies
from sagaline.bench.stats import summary
from sagaline.core.saga import Saga
from sagaline.ops import targets
from sagaline.settings import SystemSettings

TIMEOUT_S = 30.0


def _timed(call: Callable[[], httpx.Response], times: list[float]) -> httpx.Response:
    began = time.perf_counter()
    response = call()
    times.append((time.perf_counter() - began) * 1000)
    return response


def _post(client: httpx.Client, url: str, body: bytes, times: list[float]) -> httpx.Response:
    return _timed(lambda: client.post(url, content=body, headers=JSON), times)


def _get(client: httpx.Client, path: str, times: list[float]) -> httpx.Response:
    return _timed(lambda: client.get(path), times)


def _wait_until(due: float) -> None:
    # Pacing a schedule, not waiting for a signal: the next request is due at `due`.
    delay = due - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def start_and_read(settings: SystemSettings, saga: Saga, per_s: float, seconds: float,
                   users: tuple[str, ...]) -> dict[str, Any]:
    """POST a new saga then GET it, `per_s` pairs a second for `seconds`; the latency
    summary of each (the GET reads the saga just started: in flight or just final)."""
    url = targets.owner_url(settings, saga)
    encoded = bodies(saga, users)
    posts: list[float] = []
    gets: list[float] = []
    ids: list[str] = []
    errors: list[str] = []
    began = time.monotonic()
    with httpx.Client(timeout=TIMEOUT_S) as client:
        for n in range(int(per_s * seconds)):
            _wait_until(began + n / per_s)
            body = encoded[n % len(encoded)]
            made = _post(client, url, body, posts)
            if made.status_code != 201:
                errors.append(f"POST {made.status_code}: {made.text[:200]}")
                continue
            ids.append(str(made.json()[saga.key_field]))
            read = _get(client, f"{url}/{ids[-1]}", gets)
            if read.status_code != 200:
                errors.append(f"GET {read.status_code}: {read.text[:200]}")
    return {"per_s": per_s, "post": summary(posts), "get": summary(gets),
            "errors": len(errors), "error_sample": errors[:5], "saga_ids": ids}


def dashboard_api(base: str, saga_ids: list[str], rounds: int,
                  every_s: float) -> dict[str, Any]:
    """Each endpoint the dashboard's page polls (static/app.js), once a round, a refresh
    interval apart so that its cache has expired: the declaration, the snapshot, the saga
    list and a saga's timeline (another saga each round)."""
    paths = {"saga": "/api/saga", "snapshot": "/api/snapshot", "sagas": "/api/sagas?limit=25"}
    times: dict[str, list[float]] = {name: [] for name in (*paths, "timeline")}
    errors = 0
    began = time.monotonic()
    with httpx.Client(base_url=base, timeout=TIMEOUT_S) as client:
        # Round 0 is not counted: the first snapshot after a pause waits for a fresh one
        # (up to FIRST_SNAPSHOT_WAIT_S), a page's first open, which the first render measures.
        for n in range(rounds + 1):
            _wait_until(began + n * every_s)
            asked = {**paths}
            if saga_ids:
                asked["timeline"] = f"/api/sagas/{saga_ids[n % len(saga_ids)]}"
            for name, path in asked.items():
                answer = _get(client, path, times[name] if n else [])
                errors += answer.status_code != 200
    every = [t for found in times.values() for t in found]
    return {"all": summary(every), "errors": errors,
            **{name: summary(found) for name, found in times.items()}}

"""Client-side request latency, measured in short paced bursts of the side-by-side bench:
the saga's start (POST of its start path) and read (GET of the path with the saga's id), and
the JSON endpoints the dashboard's page polls. One keep-alive connection, requests one at a
time on a schedule: what one user sees, not the capacity (the steps measure that)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from sagaline.bench.loadgen import JSON, bodies
from sagaline.bench.stats import summary
from sagaline.core.saga import Saga
from sagaline.ops import targets
from sagaline.settings import SystemSettings

TIMEOUT_S = 30.0


def _request(client: httpx.Client, method: str, url: str, expected: int, times: list[float],
             errors: list[str], body: bytes | None = None) -> httpx.Response | None:
    """The response, its latency added to `times`, when it has the `expected` status; else
    None and the error noted: a refused connection or a timeout too, so that one such
    request does not end the run."""
    began = time.perf_counter()
    try:
        response = client.request(method, url, content=body,
                                  headers=JSON if body is not None else None)
    except httpx.HTTPError as exc:
        errors.append(f"{method} {type(exc).__name__}: {exc}"[:200])
        return None
    times.append((time.perf_counter() - began) * 1000)
    if response.status_code != expected:
        errors.append(f"{method} {response.status_code}: {response.text[:200]}")
        return None
    return response


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
            made = _request(client, "POST", url, 201, posts, errors,
                            body=encoded[n % len(encoded)])
            if made is not None:
                ids.append(str(made.json()[saga.key_field]))
                _request(client, "GET", f"{url}/{ids[-1]}", 200, gets, errors)
    return {"per_s": per_s, "post": summary(posts), "get": summary(gets),
            "errors": len(errors), "error_sample": errors[:5], "saga_ids": ids}


def dashboard_api(base: str, saga_ids: list[str], rounds: int,
                  every_s: float) -> dict[str, Any]:
    """Each endpoint the dashboard's page polls (static/app.js), once a round, a refresh
    interval apart so that its cache has expired: the declaration, the snapshot, the saga
    list and a saga's timeline (another saga each round)."""
    paths = {"saga": "/api/saga", "snapshot": "/api/snapshot", "sagas": "/api/sagas?limit=25"}
    times: dict[str, list[float]] = {name: [] for name in (*paths, "timeline")}
    errors: list[str] = []
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
                _request(client, "GET", path, 200, times[name] if n else [], errors)
    every = [t for found in times.values() for t in found]
    return {"all": summary(every), "errors": len(errors), "error_sample": errors[:5],
            **{name: summary(found) for name, found in times.items()}}

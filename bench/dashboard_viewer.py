"""A client that watches the dashboard as the page does: one event stream of snapshots and,
on each, the saga list and one open saga's timeline. It records how long each API call took,
how far apart the snapshots came and how old each was on arrival."""

from __future__ import annotations

import statistics
import threading
import time
from types import TracebackType
from typing import Any

import httpx
import orjson

from sagaline.settings import DashboardSettings, StackSettings


class Viewer:
    def __init__(self, settings: StackSettings, enabled: bool = True) -> None:
        self.url = f"http://127.0.0.1:{DashboardSettings().dashboard_port}"
        self.enabled = enabled
        self.api_ms: list[float] = []
        self.gaps_s: list[float] = []
        self.ages_s: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="viewer")

    def __enter__(self) -> Viewer:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join(timeout=10)

    def summary(self) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        return {"api_calls": len(self.api_ms), "api_p50_ms": _q(self.api_ms, 50),
                "api_p99_ms": _q(self.api_ms, 99), "snapshots": len(self.gaps_s) + 1,
                "gap_p50_s": _q(self.gaps_s, 50), "gap_p99_s": _q(self.gaps_s, 99),
                "gap_max_s": round(max(self.gaps_s), 3) if self.gaps_s else None,
                "age_p99_s": _q(self.ages_s, 99), "failures": self.failures}

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self._stop.is_set():
                try:
                    self._watch(client)
                except httpx.HTTPError:
                    self.failures += 1
                    self._stop.wait(0.5)

    def _watch(self, client: httpx.Client) -> None:
        opened: str | None = None
        last: float | None = None
        with client.stream("GET", "/api/events", timeout=httpx.Timeout(10, read=5)) as events:
            for line in events.iter_lines():
                if self._stop.is_set():
                    return
                if not line.startswith("data: "):
                    continue
                now = time.time()
                self.ages_s.append(now - orjson.loads(line[6:])["at"])
                if last is not None:
                    self.gaps_s.append(now - last)
                last = now
                sagas = self._get(client, "/api/sagas?limit=25")
                if opened is None and sagas:
                    opened = sagas[0]["order_id"]
                if opened:
                    self._get(client, f"/api/sagas/{opened}")

    def _get(self, client: httpx.Client, path: str) -> Any:
        begin = time.perf_counter()
        response = client.get(path)
        self.api_ms.append((time.perf_counter() - begin) * 1000)
        if response.status_code != 200:
            self.failures += 1
            return None
        return response.json()


def _q(values: list[float], pct: int) -> float | None:
    if len(values) < 2:
        return round(values[0], 3) if values else None
    return round(statistics.quantiles(values, n=100)[pct - 1], 3)

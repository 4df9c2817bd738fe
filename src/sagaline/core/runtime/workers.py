"""Running a service: background workers (relay, consumer) beside the HTTP server."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Worker(Protocol):
    def run(self, stop: threading.Event) -> None:
        """Work until `stop` is set; return promptly after it is. A worker that idles on a
        wait of its own (not on `stop`) may have an `interrupt()` method: `Workers.stop`
        calls it after setting `stop`, to end that wait."""


class Workers:
    """Each worker in its own thread. A worker that raises is logged and restarted after a
    pause, so a service never needs a manual restart to resume its work."""

    def __init__(self, workers: Mapping[str, Worker], restart_delay_s: float = 1.0) -> None:
        self._workers = dict(workers)
        self._restart_delay_s = restart_delay_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._stop.clear()
        for name, worker in self._workers.items():
            thread = threading.Thread(target=self._supervise, args=(name, worker),
                                      name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 15.0) -> None:
        self._stop.set()
        for worker in self._workers.values():
            interrupt = getattr(worker, "interrupt", None)
            if interrupt is not None:
                interrupt()
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads.clear()

    def _supervise(self, name: str, worker: Worker) -> None:
        while not self._stop.is_set():
            try:
                worker.run(self._stop)
            except Exception:
                log.exception("worker %s failed; restarting", name)
                self._stop.wait(self._restart_delay_s)

    @asynccontextmanager
    async def lifespan(self, _app: Any) -> AsyncIterator[None]:
        """FastAPI lifespan: the workers run while the app serves."""
        self.start()
        try:
            yield
        finally:
            self.stop()

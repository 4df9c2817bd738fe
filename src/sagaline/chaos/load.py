"""A steady stream of orders that survives the order service going away: each order has an
Idempotency-Key and is retried with it until accepted, so no order is placed twice."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx


@dataclass
class StreamCounts:
    accepted: list[str] = field(default_factory=list)
    retries: int = 0
    given_up: int = 0


class OrderStream:
    """Posts about `rate_per_s` orders per second from a thread until `stop()`."""

    def __init__(self, base_url: str, rate_per_s: float, sku: str = "SKU-1",
                 give_up_after_s: float = 60.0) -> None:
        self._client = httpx.Client(base_url=base_url, timeout=5.0)
        self._interval = 1.0 / rate_per_s
        self._sku = sku
        self._give_up_after_s = give_up_after_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="order-stream", daemon=True)
        self.counts = StreamCounts()

    def start(self) -> OrderStream:
        self._thread.start()
        return self

    def stop(self) -> StreamCounts:
        self._stop.set()
        self._thread.join(self._give_up_after_s + 10)
        self._client.close()
        return self.counts

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            started = time.monotonic()
            self._place(n)
            n += 1
            self._stop.wait(max(0.0, self._interval - (time.monotonic() - started)))

    def _place(self, n: int) -> None:
        key = str(uuid.uuid4())
        body = {"userId": f"chaos-{n % 50}", "totalAmount": 1 + n % 7,
                "items": [{"sku": self._sku, "quantity": 1}]}
        deadline = time.monotonic() + self._give_up_after_s
        while time.monotonic() < deadline:
            try:
                response = self._client.post("/orders", json=body,
                                             headers={"Idempotency-Key": key})
                if response.status_code == 201:
                    self.counts.accepted.append(response.json()["orderId"])
                    return
            except httpx.HTTPError:
                pass
            self.counts.retries += 1
            time.sleep(0.2)
        self.counts.given_up += 1

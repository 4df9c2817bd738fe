"""A steady stream of sagas that survives the owner going away: each saga's request
(`Saga.sample_request`, at the owner's `start_path`) has an Idempotency-Key and is retried
with it until accepted, so no saga is started twice."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx

from sagaline import saga_choice
from sagaline.core.saga import Saga


@dataclass
class StreamCounts:
    accepted: list[str] = field(default_factory=list)  # the sagas' ids
    retries: int = 0
    given_up: int = 0


class SagaStream:
    """Starts about `rate_per_s` sagas per second at `owner` (the base URL of one owner
    process) from a thread until `stop()`; `saga`: the chosen one when None."""

    def __init__(self, owner: str, rate_per_s: float, saga: Saga | None = None,
                 give_up_after_s: float = 60.0) -> None:
        self._saga = saga or saga_choice.load()
        self._client = httpx.Client(base_url=owner, timeout=5.0)
        self._interval = 1.0 / rate_per_s
        self._give_up_after_s = give_up_after_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="saga-stream", daemon=True)
        self.counts = StreamCounts()

    def start(self) -> SagaStream:
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
        body = self._saga.sample_request(f"chaos-{n % 50}")
        deadline = time.monotonic() + self._give_up_after_s
        while time.monotonic() < deadline:
            try:
                response = self._client.post(self._saga.start_path, json=body,
                                             headers={"Idempotency-Key": key})
                if response.status_code == 201:
                    self.counts.accepted.append(response.json()[self._saga.key_field])
                    return
            except httpx.HTTPError:
                pass
            self.counts.retries += 1
            time.sleep(0.2)
        self.counts.given_up += 1

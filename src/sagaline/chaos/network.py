"""Network faults on the faulty stack (`sagaline up --faulty`): toxics added to and removed
from one link by its name (`payment.db`, `payment.kafka`: devstack/links.py), over Toxiproxy's
HTTP API. (Its Python clients on PyPI are unmaintained since 2019; the API is four calls.)

    net = Network(stack.settings.toxiproxy_port)
    with net.fault("payment.db", Toxic.timeout(0)):   # blackholed until the block ends
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class Toxic:
    """One toxic: Toxiproxy's `type` and `attributes`; `stream` is the direction it acts on
    ("downstream": toward the client, "upstream": toward the server)."""

    type: str
    attributes: dict[str, int] = field(default_factory=dict)
    stream: str = "downstream"
    toxicity: float = 1.0

    @property
    def name(self) -> str:
        return f"{self.type}_{self.stream}"

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "stream": self.stream,
                "toxicity": self.toxicity, "attributes": self.attributes}

    @classmethod
    def latency(cls, ms: int, jitter_ms: int = 0, stream: str = "downstream") -> Toxic:
        return cls("latency", {"latency": ms, "jitter": jitter_ms}, stream)

    @classmethod
    def timeout(cls, ms: int = 0, stream: str = "upstream") -> Toxic:
        """A blackhole: nothing passes; the connection is closed after `ms` (0: never), and
        when the toxic goes."""
        return cls("timeout", {"timeout": ms}, stream)

    @classmethod
    def reset_peer(cls, after_ms: int = 0, stream: str = "upstream") -> Toxic:
        """The connection reset (TCP RST) `after_ms` after the next data passes."""
        return cls("reset_peer", {"timeout": after_ms}, stream)

    @classmethod
    def bandwidth(cls, kb_per_s: int, stream: str = "upstream") -> Toxic:
        return cls("bandwidth", {"rate": kb_per_s}, stream)


class Network:
    """Toxiproxy's API at 127.0.0.1:`api_port`."""

    def __init__(self, api_port: int, host: str = "127.0.0.1") -> None:
        self._client = httpx.Client(base_url=f"http://{host}:{api_port}", timeout=5.0)

    def links(self) -> list[str]:
        return sorted(self._ok(self._client.get("/proxies")).json())

    def add(self, link: str, toxic: Toxic) -> None:
        self._ok(self._client.post(f"/proxies/{link}/toxics", json=toxic.as_json()))

    def remove(self, link: str, toxic: Toxic) -> None:
        """Take the toxic off (a removed `timeout` closes the connections it held)."""
        self._ok(self._client.delete(f"/proxies/{link}/toxics/{toxic.name}"))

    def toxics(self, link: str) -> list[str]:
        return [t["name"] for t in self._ok(self._client.get(f"/proxies/{link}/toxics")).json()]

    def heal(self) -> None:
        """Every toxic of every link removed, every link enabled."""
        self._ok(self._client.post("/reset"))

    @contextmanager
    def fault(self, link: str, *toxics: Toxic) -> Iterator[None]:
        """`toxics` on `link` for the duration of the block; healed even if it raises."""
        try:
            for toxic in toxics:
                self.add(link, toxic)
            yield
        finally:
            for toxic in toxics:
                if toxic.name in self.toxics(link):
                    self.remove(link, toxic)

    def close(self) -> None:
        self._client.close()

    @staticmethod
    def _ok(response: httpx.Response) -> httpx.Response:
        if response.is_error:
            raise RuntimeError(f"toxiproxy: {response.request.method} {response.request.url}: "
                               f"{response.status_code} {response.text.strip()}")
        return response

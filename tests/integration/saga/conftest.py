"""Helpers for end-to-end saga tests against the three running services."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from confluent_kafka import Producer

from sagaline.devstack import Stack
from sagaline.seed_saga.order.status import FINAL


class Saga:
    """Talks to the running services the way a client would."""

    def __init__(self, stack: Stack) -> None:
        s = stack.settings
        # Restarts go through a launcher of their own, so the session fixture's record of
        # what it started (and will stop) stays what it started.
        self.stack = Stack(s)
        self.order = httpx.Client(base_url=f"http://127.0.0.1:{s.http_port('order')}", timeout=10)
        self.payment = httpx.Client(base_url=f"http://127.0.0.1:{s.http_port('payment')}",
                                    timeout=10)
        self.inventory = httpx.Client(base_url=f"http://127.0.0.1:{s.http_port('inventory')}",
                                      timeout=10, headers=s.admin_headers())  # to restock
        self.producer = Producer({"bootstrap.servers": s.kafka_bootstrap_servers})

    def place(self, user: str, amount: float, items: list[tuple[str, int]] = (),  # type: ignore[assignment]
              **headers: str) -> str:
        body: dict[str, Any] = {"userId": user, "totalAmount": amount}
        if items:
            body["items"] = [{"sku": s, "quantity": q} for s, q in items]
        response = self.order.post("/orders", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["orderId"])

    def final(self, order_id: str, timeout_s: float = 20.0) -> dict[str, Any]:
        view: dict[str, Any] = wait_for(lambda: self._final_or_none(order_id), timeout_s,
                                        f"order {order_id} final")
        return view

    def _final_or_none(self, order_id: str) -> dict[str, Any] | None:
        view = self.order.get(f"/orders/{order_id}").json()
        return view if view["status"] in FINAL else None

    def settle(self, quick_s: float = 1.0, timeout_s: float = 60.0) -> None:
        """Wait until the system is healthy again after a disruption (a consumer group that
        lost a member rebalances for a few seconds): a probe order is final within
        `quick_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            started = time.monotonic()
            self.final(self.place(f"probe-{uuid.uuid4().hex[:8]}", 1), timeout_s)
            if time.monotonic() - started < quick_s:
                return
        raise AssertionError(f"the saga did not settle within {timeout_s}s")

    def balance(self, user: str) -> float | None:
        response = self.payment.get(f"/accounts/{user}")
        return response.json()["balance"] if response.status_code == 200 else None

    def stock(self, sku: str) -> int:
        return int(self.inventory.get(f"/stock/{sku}").json()["onHand"])

    def new_sku(self, quantity: int) -> str:
        sku = f"SKU-{uuid.uuid4().hex[:10]}"
        assert self.inventory.post(f"/stock/{sku}", json={"quantity": quantity}).is_success
        return sku

    def produce(self, topic: str, value: bytes, key: bytes | None = None,
                headers: dict[str, str] | None = None) -> None:
        self.producer.produce(topic, value=value, key=key,
                              headers=list((headers or {}).items()))
        assert self.producer.flush(10) == 0


def wait_for(probe: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def saga(services: Stack) -> Iterator[Saga]:
    client = Saga(services)
    client.settle()  # consumers joined their groups: the first order is not the slow one
    yield client
    client.order.close()
    client.payment.close()
    client.inventory.close()


def new_user() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"

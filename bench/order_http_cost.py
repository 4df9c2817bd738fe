"""CPU per `POST /orders` in the order service's process: the real app (routes, middleware,
validation, group commit) on the real order database, without uvicorn or a client.

The ASGI app is called directly on a uvloop loop, as uvicorn would; CPU is the process's
(`time.process_time`: every thread, so the worker-thread hop is counted), divided by the
requests. One at a time (`serial`) and in bursts of concurrent requests (`burst`).

    .venv/bin/python bench/order_http_cost.py [--requests 2000] [--burst 20] [--rounds 3]
        [--fake]    an in-memory unit of work instead of Postgres (what the app alone costs)
        [--async]   group commit on the event loop with psycopg's async pool (the prototype
                    in bench/order_async_proto.py, measured and dropped: docs/performance.md,
                    "Tried, measured, not kept")

Needs ORDER_DB_DSN (a running stack); works in a scratch schema, dropped after. Prints one
line per (round, mode) and the medians, in microseconds of CPU per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.*

from tests.doubles import InMemoryPublisher, InMemorySource
from tests.fakes import FakeOrderUnitOfWork
from tests.integration.conftest import scratch_schema

from sagaline.seed_saga import ORDER
from sagaline.seed_saga.order.bootstrap import bootstrap
from sagaline.settings import OrderSettings

BODY = json.dumps({"userId": "micro", "totalAmount": 12.5,
                   "items": [{"sku": "A", "quantity": 2}]}).encode()


def scope() -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": "/orders", "raw_path": b"/orders", "query_string": b"",
            "root_path": "", "server": ("127.0.0.1", 4001), "client": ("127.0.0.1", 50000),
            "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                        (b"content-length", str(len(BODY)).encode())]}


async def post(app: Any) -> int:
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope(), receive, send)
    return status


async def measure(app: Any, requests: int, burst: int) -> tuple[float, float]:
    """(CPU µs, wall µs) per request."""
    for _ in range(50):  # warm the pool and the caches
        assert await post(app) == 201
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(requests // burst):
        statuses = await asyncio.gather(*(post(app) for _ in range(burst)))
        assert set(statuses) == {201}, statuses
    n = requests // burst * burst
    return ((time.process_time() - cpu) / n * 1e6, (time.perf_counter() - wall) / n * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--async", dest="use_async", action="store_true")
    parser.add_argument("--fake", action="store_true")
    args = parser.parse_args()
    base = OrderSettings()
    results: dict[str, list[float]] = {"serial": [], "burst": []}
    with scratch_schema(base.db_dsn, ORDER.migrations) as dsn:
        if args.use_async:
            import order_async_proto  # beside this file
            order_async_proto.install(dsn)
        fake = FakeOrderUnitOfWork()
        service = bootstrap(OrderSettings(db_dsn=dsn), publisher=InMemoryPublisher(),
                            source=InMemorySource(),
                            unit_of_work=(lambda: fake) if args.fake else None)

        async def run() -> None:
            for round_ in range(args.rounds):
                for mode, burst in (("serial", 1), ("burst", args.burst)):
                    cpu, wall = await measure(service.app, args.requests, burst)
                    results[mode].append(cpu)
                    print(f"round {round_} {mode:6} cpu {cpu:7.1f} us/request"
                          f"  wall {wall:7.1f} us/request", flush=True)

        uvloop.run(run())
        service.close()
    print(json.dumps({mode: round(statistics.median(v), 1) for mode, v in results.items()}))


if __name__ == "__main__":
    main()

"""Prototype, measured and not kept (docs/performance.md, "Tried, measured, not kept"):
`POST /orders` on a plain Starlette route in front of FastAPI's, in the same app, to price
what FastAPI's route handler (dependency solving, the header and body validation it drives,
the response model) adds to each order; Starlette's routing and the middleware run either
way. The plain route does the order's work: the same `OrderRequest` validated from the body,
the same `PlaceOrder` through a group commit, the same answer. It leaves out what a kept
version would need: the API key, the span, the headers' length checks, the 409 and 500
answers and the error shapes of core.web_errors, the OpenAPI entry. On the database its
group commit has a pool of its own (4 connections) and no relay wake-up or saga metrics.

Both apps are built by order's bootstrap, side by side in one process, and driven as
`order_http_cost.py` drives one (the ASGI app called directly, no uvicorn, no client),
alternated A B B A:

    .venv/bin/python bench/order_plain_route.py [--fake] [--requests 2000] [--rounds 2]

Needs ORDER_DB_DSN (a running stack); works in a scratch schema, dropped after. Prints CPU
µs per request (the whole process's, so the group commit's thread is counted), one at a
time (`serial`) and in bursts of 20, and the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import uvloop
from order_http_cost import measure  # beside this file
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.*

from tests.doubles import InMemoryPublisher, InMemorySource
from tests.fakes import FakeOrderUnitOfWork
from tests.integration.conftest import scratch_schema

from sagaline.core.postgres.db import make_pool
from sagaline.core.postgres.group_commit import GroupCommit
from sagaline.core.runtime.service import Service
from sagaline.seed_saga import ORDER
from sagaline.seed_saga.order.api import OrderRequest
from sagaline.seed_saga.order.bootstrap import bootstrap
from sagaline.seed_saga.order.handlers import PlaceOrder, place_order, placed_order
from sagaline.seed_saga.order.repository import OrderUnitOfWork, PostgresOrderUnitOfWork
from sagaline.settings import OrderSettings


def plain_route(unit_of_work: Callable[[], OrderUnitOfWork]) -> Route:
    placing = GroupCommit(place_order, unit_of_work, settle=placed_order)

    async def create_order(request: Request) -> Response:
        try:
            order_request = OrderRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"error": str(exc)}, 422)
        headers = request.headers
        order = await placing.submit(PlaceOrder(
            order_request.userId, order_request.totalAmount, tuple(order_request.items),
            headers.get("idempotency-key"), headers.get("traceparent")))
        return Response(orjson.dumps({"orderId": str(order.order_id), "status": "PENDING"}),
                        201, media_type="application/json")

    return Route("/orders", create_order, methods=["POST"])


def build(dsn: str, fake: bool) -> tuple[dict[str, Service], Callable[[], None]]:
    """Two order services on `dsn` (or on one in-memory unit of work): FastAPI's route, and
    the plain one placed in front of it."""
    memory = FakeOrderUnitOfWork()
    pool = None if fake else make_pool(dsn, 4, "plain-route")
    built = {}
    for name in ("fastapi", "plain"):
        service = bootstrap(OrderSettings(db_dsn=dsn), publisher=InMemoryPublisher(),
                            source=InMemorySource(),
                            unit_of_work=(lambda: memory) if fake else None)
        built[name] = service
    if pool is None:
        plain_uow: Callable[[], OrderUnitOfWork] = lambda: memory  # noqa: E731
    else:
        pool.wait()
        plain_uow = lambda: PostgresOrderUnitOfWork(pool, lambda: None)  # noqa: E731
    built["plain"].app.router.routes.insert(0, plain_route(plain_uow))

    def close() -> None:
        for service in built.values():
            service.close()
        if pool is not None:
            pool.close()

    return built, close


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--fake", action="store_true")
    args = parser.parse_args()
    cpu: dict[str, dict[str, list[float]]] = {}
    with scratch_schema(OrderSettings().db_dsn, ORDER.migrations) as dsn:
        built, close = build(dsn, args.fake)

        async def run() -> None:
            for _ in range(args.rounds):
                for name in ("fastapi", "plain", "plain", "fastapi"):
                    for mode, burst in (("serial", 1), ("burst", 20)):
                        us, wall = await measure(built[name].app, args.requests, burst)
                        cpu.setdefault(name, {}).setdefault(mode, []).append(us)
                        print(f"{name:8} {mode:6} cpu {us:7.1f} us/request"
                              f"  wall {wall:7.1f} us/request", flush=True)

        try:
            uvloop.run(run())
        finally:
            close()
    print(json.dumps({name: {mode: round(statistics.median(v), 1) for mode, v in modes.items()}
                      for name, modes in cpu.items()}))


if __name__ == "__main__":
    main()

"""Load against `POST /orders`: open loop at a fixed rate, or closed loop with a bounded number
of sagas in flight. Each load process runs one asyncio loop on aiohttp with keep-alive
connections. Every loop is bounded in count and time; traffic goes only to 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class LoadPlan:
    url: str  # http://127.0.0.1:4001/orders
    users: tuple[str, ...]
    duration_s: float
    start_at: float  # wall clock (time.time()) at which to begin
    rate: float | None = None  # open loop: requests per second from this process
    window: int = 0  # closed loop: sagas in flight allowed to this process
    max_inflight: int = 512
    max_requests: int = 1_000_000

    def __post_init__(self) -> None:
        if urlsplit(self.url).hostname != "127.0.0.1":
            raise ValueError(f"load goes only to 127.0.0.1, not {self.url}")


@dataclass
class LoadResult:
    sent: list[tuple[str, float]] = field(default_factory=list)  # (orderId, wall send time)
    lag_ms: list[float] = field(default_factory=list)  # open loop: send time - schedule
    errors: int = 0
    error_sample: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_sample) < 5:
            self.error_sample.append(what)


def body(user: str) -> bytes:
    return orjson.dumps(
        {"userId": user, "totalAmount": 1, "items": [{"sku": "SKU-1", "quantity": 1}]})


async def _post(session: aiohttp.ClientSession, plan: LoadPlan, user: str,
                result: LoadResult, slots: asyncio.Semaphore) -> None:
    sent = time.time()
    try:
        async with session.post(plan.url, data=body(user), headers=JSON) as resp:
            raw = await resp.read()
            if resp.status == 201:
                result.sent.append((orjson.loads(raw)["orderId"], sent))
            else:
                result.error(f"HTTP {resp.status}: {raw[:200]!r}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        result.error(repr(exc))
    finally:
        slots.release()


async def _open_loop(session: aiohttp.ClientSession, plan: LoadPlan, result: LoadResult,
                     slots: asyncio.Semaphore, tasks: set[asyncio.Task[None]]) -> None:
    assert plan.rate
    total = min(int(plan.rate * plan.duration_s), plan.max_requests)
    for i in range(total):
        due = plan.start_at + i / plan.rate
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await slots.acquire()
        result.lag_ms.append((time.time() - due) * 1000)
        _spawn(tasks, _post(session, plan, plan.users[i % len(plan.users)], result, slots))


async def _closed_loop(session: aiohttp.ClientSession, plan: LoadPlan, result: LoadResult,
                       slots: asyncio.Semaphore, tasks: set[asyncio.Task[None]],
                       unfinished: Callable[[], float]) -> None:
    end = plan.start_at + plan.duration_s
    issued = 0
    while time.time() < end and issued < plan.max_requests:
        # In flight: requests not answered yet, plus accepted orders not final yet.
        unanswered = issued - len(result.sent) - result.errors
        if unanswered + unfinished() >= plan.window:
            await asyncio.sleep(0.002)
            continue
        await slots.acquire()
        _spawn(tasks, _post(session, plan, plan.users[issued % len(plan.users)], result, slots))
        issued += 1


def _spawn(tasks: set[asyncio.Task[None]], coro: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(coro)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def drive(plan: LoadPlan, unfinished: Callable[[], float] | None = None) -> LoadResult:
    """Run one plan to its end; `unfinished()` (closed loop) is this process's share of the
    accepted orders that are not final yet."""
    result = LoadResult()
    slots = asyncio.Semaphore(plan.max_inflight)
    tasks: set[asyncio.Task[None]] = set()
    connector = aiohttp.TCPConnector(limit=plan.max_inflight)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.sleep(max(0.0, plan.start_at - time.time()))
        if plan.rate:
            await _open_loop(session, plan, result, slots, tasks)
        else:
            await _closed_loop(session, plan, result, slots, tasks, unfinished or (lambda: 0.0))
        if tasks:
            await asyncio.wait(tasks, timeout=35)
    return result

"""Load against the saga's owner (`POST /orders` for the seed's): open loop at a fixed rate,
or closed loop with a bounded number of sagas in flight. Each load process runs one asyncio
loop on aiohttp with keep-alive connections. Every loop is bounded in count and time; traffic
goes only to 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

from sagaline.core.saga import Saga
from sagaline.ops import targets
from sagaline.settings import SystemSettings

if TYPE_CHECKING:  # the `bench` extra: imported where the load runs, so tools load without it
    import aiohttp

JSON = {"Content-Type": "application/json"}


def bodies(saga: Saga, users: Sequence[str]) -> tuple[bytes, ...]:
    """An ordinary saga's request for each user (`Saga.sample_request`), encoded once."""
    return tuple(orjson.dumps(saga.sample_request(user)) for user in users)


@dataclass(frozen=True)
class LoadPlan:
    url: str  # the owner's start path, e.g. http://127.0.0.1:4001/orders
    bodies: tuple[bytes, ...]  # sent in turn (one per user: see `bodies`)
    id_field: str  # where the answer names the saga (Saga.key_field)
    duration_s: float
    start_at: float  # wall clock (time.time()) at which to begin
    rate: float | None = None  # open loop: requests per second from this process
    window: int = 0  # closed loop: sagas in flight allowed to this process
    max_inflight: int = 512
    max_requests: int = 1_000_000

    def __post_init__(self) -> None:
        if urlsplit(self.url).hostname != "127.0.0.1":
            raise ValueError(f"load goes only to 127.0.0.1, not {self.url}")


def plan_for(saga: Saga, settings: SystemSettings, users: Sequence[str], duration_s: float,
             **how: Any) -> LoadPlan:
    """A plan that starts ordinary sagas of `users` at the saga's owner; `how`: the rest of
    LoadPlan's fields (rate or window, limits)."""
    return LoadPlan(targets.owner_url(settings, saga), bodies(saga, users), saga.key_field,
                    duration_s, 0.0, **how)


@dataclass
class LoadResult:
    sent: list[tuple[str, float]] = field(default_factory=list)  # (saga id, wall send time)
    lag_ms: list[float] = field(default_factory=list)  # open loop: send time - schedule
    errors: int = 0
    error_sample: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_sample) < 5:
            self.error_sample.append(what)


async def _post(session: aiohttp.ClientSession, plan: LoadPlan, body: bytes,
                result: LoadResult, slots: asyncio.Semaphore) -> None:
    import aiohttp  # loaded by `drive` already: a lookup

    sent = time.time()
    try:
        async with session.post(plan.url, data=body, headers=JSON) as resp:
            raw = await resp.read()
            if resp.status == 201:
                result.sent.append((orjson.loads(raw)[plan.id_field], sent))
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
        _spawn(tasks, _post(session, plan, plan.bodies[i % len(plan.bodies)], result, slots))


async def _closed_loop(session: aiohttp.ClientSession, plan: LoadPlan, result: LoadResult,
                       slots: asyncio.Semaphore, tasks: set[asyncio.Task[None]],
                       unfinished: Callable[[], float]) -> None:
    end = plan.start_at + plan.duration_s
    issued = 0
    while time.time() < end and issued < plan.max_requests:
        # In flight: requests not answered yet, plus accepted sagas not final yet.
        unanswered = issued - len(result.sent) - result.errors
        if unanswered + unfinished() >= plan.window:
            await asyncio.sleep(0.002)
            continue
        await slots.acquire()
        body = plan.bodies[issued % len(plan.bodies)]
        _spawn(tasks, _post(session, plan, body, result, slots))
        issued += 1


def _spawn(tasks: set[asyncio.Task[None]], coro: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(coro)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def drive(plan: LoadPlan, unfinished: Callable[[], float] | None = None) -> LoadResult:
    """Run one plan to its end; `unfinished()` (closed loop) is this process's share of the
    accepted sagas that are not final yet."""
    result = LoadResult()
    slots = asyncio.Semaphore(plan.max_inflight)
    tasks: set[asyncio.Task[None]] = set()
    import aiohttp

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

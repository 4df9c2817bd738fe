"""What the fuzz tier shares: each service's address and OpenAPI schema (schemathesis, all
checks), what a request may have written (to assert that a rejected one wrote nothing), and
a few orders run through the saga, so that reads by id find something."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import psycopg
import pytest
import schemathesis
from schemathesis import engine, hooks
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events

from sagaline.devstack import Stack
from sagaline.seed_saga.order.status import FINAL

EXAMPLES = 25  # per operation and generation phase: the tier stays within a few minutes
STEPS = 6  # calls in a stateful scenario at most
Footprint = Callable[[], object]


@dataclass(frozen=True)
class Apis:
    order: str
    payment: str
    inventory: str
    admin: dict[str, str]  # the X-API-Key header with the stack's admin key


@pytest.fixture(scope="session")
def apis(services: Stack) -> Apis:
    s = services.settings
    assert s.admin_headers(), "the stack has no admin key (ADMIN_API_KEY, stack/local.env)"
    order, payment, inventory = (f"http://127.0.0.1:{port}" for port in (
        s.http_port("order"), s.http_port("payment"), s.http_port("inventory")))
    return Apis(order, payment, inventory, s.admin_headers())


def _footprint(dsn: str, query: str) -> Iterator[Footprint]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        yield lambda: conn.execute(query).fetchone()


@pytest.fixture(scope="session")
def order_writes(services: Stack) -> Iterator[Footprint]:
    """Only POST /orders inserts orders (the saga updates them)."""
    yield from _footprint(services.settings.dsn("order"), "SELECT count(*) FROM orders")


@pytest.fixture(scope="session")
def stock_writes(services: Stack) -> Iterator[Footprint]:
    """Only POST /stock/{sku} adds SKUs and raises `initial` (reservations move `on_hand`)."""
    yield from _footprint(services.settings.dsn("inventory"),
                          "SELECT count(*), coalesce(sum(initial), 0) FROM stock")


@dataclass(frozen=True)
class Known:
    """Ids that exist, made fresh by this run: orders with a payment and a reservation."""

    order_ids: list[str]
    user_ids: list[str]
    skus: list[str]


def _until(probe: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (value := probe()):
        assert time.monotonic() < deadline, "the saga did not finish the fuzz tier's orders"
        time.sleep(0.1)
    return value


@pytest.fixture(scope="session")
def known(apis: Apis) -> Known:
    run = uuid.uuid4().hex[:8]
    sku, users = f"FUZZ-{run}", [f"fuzz-{run}-{n}" for n in range(3)]
    with httpx.Client(timeout=10) as http:
        assert http.post(f"{apis.inventory}/stock/{sku}", json={"quantity": 1000},
                         headers=apis.admin).is_success
        orders = [http.post(f"{apis.order}/orders", json={
            "userId": user, "totalAmount": 5, "items": [{"sku": sku, "quantity": 1}]}
        ).json()["orderId"] for user in users]
        for order_id in orders:
            _until(partial(_is_final, http, f"{apis.order}/orders/{order_id}"))
    return Known(order_ids=orders, user_ids=users, skus=[sku])


def load(url: str, admin: dict[str, str], **config: Any) -> schemathesis.BaseSchema:
    """The service's schema: every check and phase on, one worker, examples and steps bounded.
    Routes guarded by the ApiKey scheme get the admin key (`ignored_auth` then checks that
    they refuse no key and a wrong one)."""
    settings = SchemathesisConfig.from_dict({
        "workers": 1, "generation": {"max-examples": EXAMPLES, "database": "none"},
        "phases": {"stateful": {"max-steps": STEPS}},
        "auth": {"openapi": {"ApiKey": {"api_key": admin["X-API-Key"]}}}, **config})
    return schemathesis.openapi.from_url(f"{url}/openapi.json", config=settings)


def known_values(**bindings: list[str]) -> dict[str, Any]:
    """Config that draws path parameter `name` from `values` half of the time."""
    return {"dictionaries": {name: {"values": values} for name, values in bindings.items()},
            "parameters": {f"path.{name}": {"dictionary": name, "probability": 0.5}
                           for name in bindings}}


@contextmanager
def rejections_checked(footprint: Footprint | None) -> Iterator[list[str]]:
    """Yields the list of rejected calls (status >= 400) after which `footprint` changed."""
    wrote: list[str] = []
    before: list[object] = []

    def before_call(context: Any, case: schemathesis.Case[Any], kwargs: Any) -> None:
        before[:] = [footprint() if footprint else None]

    def after_call(context: Any, case: schemathesis.Case[Any], response: Any) -> None:
        if footprint and response.status_code >= 400 and [footprint()] != before:
            wrote.append(f"{case.operation.label} -> {response.status_code}")

    hooks.GLOBAL_HOOK_DISPATCHER.register_hook_with_name(before_call, "before_call")
    hooks.GLOBAL_HOOK_DISPATCHER.register_hook_with_name(after_call, "after_call")
    try:
        yield wrote
    finally:
        hooks.unregister(before_call)
        hooks.unregister(after_call)


def run_schemathesis(schema: schemathesis.BaseSchema, footprint: Footprint | None = None) -> None:
    """What `st run --checks all` does (examples, coverage, fuzzing and stateful phases), as a
    test: it fails on any check's failure, any error, and any rejected call that wrote."""
    problems: list[str] = []
    with rejections_checked(footprint) as wrote:
        for event in engine.from_schema(schema).execute():
            problems.extend(_problems(event))
    assert not problems + wrote, "\n".join(problems + [f"wrote: {w}" for w in wrote])


def _problems(event: events.EngineEvent) -> list[str]:
    if isinstance(event, events.FatalError | events.NonFatalError):
        return [f"error: {getattr(event, 'value', None) or getattr(event, 'exception', None)}"]
    if not isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
        return []
    return [f"{event.recorder.label}: {check.failure_info.failure.title}\n"
            f"{check.failure_info.failure.message}\n{check.failure_info.code_sample}"
            for checks in event.recorder.checks.values() for check in checks
            if check.failure_info is not None]


def _is_final(http: httpx.Client, url: str) -> bool:
    return http.get(url).json()["status"] in FINAL

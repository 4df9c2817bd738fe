"""`make demo`: a batch of sagas through every path, watched to the end.

The sagas are started through the owner's API (`Saga.start_path`, `Saga.sample_request`),
followed until each is in a final status of the saga's status machine, shown as a table
(each step's own record of the saga beside the owner's outcome) with totals per final status
and reason, then audited. For the seed's steps the plan takes every path: most sagas
succeed; payments are refused for lack of funds; reservations fail for lack of stock (so the
payment is refunded).
"""

from __future__ import annotations

import sys
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from sagaline import audit, saga_choice
from sagaline.core.saga import Saga
from sagaline.ops import stock, targets
from sagaline.settings import SystemSettings


@dataclass
class Placed:
    body: dict[str, Any]
    saga_id: str = ""
    outcome: dict[str, Any] | None = None  # the owner's view of the saga
    steps: dict[str, str] = field(default_factory=dict)  # service -> its record's status

    def status(self) -> str | None:
        return (self.outcome or {}).get("status")


def _refused(body: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """`body` with those of `fields` it has (the seed's order fields) replaced."""
    return {**body, **{k: v for k, v in fields.items() if k in body}}


def plan(saga: Saga, run: str, count: int, credit: int, scarce_sku: str | None) -> list[Placed]:
    """Every path of the seed's steps, from the saga's ordinary request: every fifth asks
    more than the credit; every fourth wants the scarce SKU (when there is one), which runs
    out after the first of them; the others succeed. A request without the seed's order
    fields (totalAmount, items) goes as it is."""
    placed = []
    for n in range(count):
        body = saga.sample_request(f"demo-{run}-{n % 7}")
        if n % 5 == 4:
            body = _refused(saga.sample_request(f"demo-{run}-rich-{n}"),
                            totalAmount=credit + 1, items=[])
        elif n % 4 == 3 and scarce_sku:
            body = _refused(body, totalAmount=20, items=[{"sku": scarce_sku, "quantity": 2}])
        else:
            items = [{**item, "quantity": 1 + n % 3} for item in body.get("items", [])]
            body = _refused(body, totalAmount=10 + n, items=items)
        placed.append(Placed(body))
    return placed


def place_all(owner: httpx.Client, saga: Saga, placed: list[Placed]) -> None:
    for p in placed:
        response = owner.post(saga.start_path, json=p.body)
        response.raise_for_status()
        p.saga_id = str(response.json()[saga.key_field])


def follow(owner: httpx.Client, saga: Saga, placed: list[Placed], timeout_s: float) -> None:
    """Read each saga from the owner until it is final (or the time is up)."""
    final = saga.statuses.final
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for p in placed:
            if p.status() not in final:
                p.outcome = owner.get(f"{saga.start_path}/{p.saga_id}").json()
        done = sum(1 for p in placed if p.status() in final)
        print(f"\r  final: {done}/{len(placed)}", end="", flush=True)
        if done == len(placed):
            break
        time.sleep(0.1)
    print()


def record_route(paths: Mapping[str, Any], key_name: str) -> str | None:
    """Of an OpenAPI document's paths, the GET route whose one parameter is the saga's id
    (e.g. payment's /payments/{order_id}): the step's own record of one saga."""
    return next((path for path, operations in paths.items()
                 if "get" in operations and path.count("{") == 1
                 and path.endswith(f"/{{{key_name}}}")), None)


def record_routes(settings: SystemSettings, saga: Saga) -> dict[str, str]:
    """Each step's `record_route`; a step without one, or not answering, is left out."""
    routes = {}
    for name in (n for n in saga.names if n != saga.owner):
        try:
            paths = httpx.get(targets.base_url(settings, saga, name) + "/openapi.json",
                              timeout=10).json()["paths"]
        except (httpx.HTTPError, ValueError, KeyError):
            continue
        if route := record_route(paths, saga.key_name):
            routes[name] = route
    return routes


def read_steps(settings: SystemSettings, saga: Saga, placed: list[Placed]) -> None:
    for name, route in record_routes(settings, saga).items():
        with httpx.Client(base_url=targets.base_url(settings, saga, name), timeout=10) as step:
            for p in placed:
                answer = step.get(route.replace(f"{{{saga.key_name}}}", p.saga_id))
                p.steps[name] = answer.json().get("status", "-") if answer.is_success else "-"


def _cell(value: Any) -> str:
    """A request field for a person: a list of items as SKUxN,... (their values joined)."""
    if isinstance(value, list):
        return ",".join("x".join(map(str, v.values())) if isinstance(v, dict) else str(v)
                        for v in value) or "-"
    return str(value)


def table(saga: Saga, placed: list[Placed]) -> str:
    fields = list(dict.fromkeys(k for p in placed for k in p.body))
    steps = list(dict.fromkeys(k for p in placed for k in p.steps))
    head = [saga.owner, *fields, "status", "reason", *steps]
    rows = [[p.saga_id[:8], *(_cell(p.body.get(f, "-"))[:24] for f in fields),
             p.status() or "?", (p.outcome or {}).get("reason") or "-",
             *(p.steps.get(s, "-") for s in steps)] for p in placed]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    numbers = [any(isinstance(p.body.get(f), int | float) for p in placed) for f in fields]
    align = [str.ljust, *(str.rjust if n else str.ljust for n in numbers),
             *[str.ljust] * (2 + len(steps))]
    lines = ["  ".join(a(c, w) for a, c, w in zip(align, row, widths, strict=True)).rstrip()
             for row in [head, *rows]]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def run(settings: SystemSettings, count: int = 30, timeout_s: float = 60.0,
        saga: Saga | None = None) -> bool:
    """Place, follow, report, audit `saga` (the chosen one when None: the auditor reads the
    chosen one); True when every saga is final and the audit holds."""
    saga = saga or saga_choice.load()
    since = datetime.now(UTC)
    run_id = uuid.uuid4().hex[:6]
    scarce = f"DEMO-SCARCE-{run_id}" if stock.keepers(saga) else None
    if scarce:
        stock.add(settings, saga, scarce, 2)
    placed = plan(saga, run_id, count, settings.starting_credit, scarce)
    started = time.monotonic()
    print(f"placing {len(placed)} sagas ...")
    with httpx.Client(base_url=targets.base_url(settings, saga, saga.owner),
                      timeout=10) as owner:
        place_all(owner, saga, placed)
        follow(owner, saga, placed, timeout_s)
    elapsed = time.monotonic() - started
    read_steps(settings, saga, placed)
    print(table(saga, placed))
    outcomes = Counter(f"{p.status()} {(p.outcome or {}).get('reason') or ''}".strip()
                       for p in placed)
    print("\ntotals: " + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())))
    print(f"all {len(placed)} sagas placed and settled in {elapsed:.2f} s")
    unsettled = sum(1 for p in placed if p.status() not in saga.statuses.final)
    if unsettled:
        print(f"{unsettled} sagas were not final within {timeout_s:.0f} s", file=sys.stderr)
    print("\nconsistency audit of this run:")
    report = audit.run(settings, since=since, wait_s=30)
    print(report.text())
    return not unsettled and report.ok

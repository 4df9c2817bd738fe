"""The disk run's judgement of the dashboard's hot reads' plans (`explain`: the dashboard's
own functions, each statement under `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`). A read's
plans on one service are judged by the scan nodes they hold: where a query should be
answered from an index alone (counting sagas in flight), anything but an Index Only Scan is
reported; elsewhere a Seq Scan is."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sagaline.bench import explain
from sagaline.core.saga import Saga


def scans(node: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(node type, index or table) of every scan of a table or an index in a plan tree (not
    of a subquery's rows)."""
    kind, name = str(node.get("Node Type", "")), node.get("Index Name") or node.get(
        "Relation Name")
    if "Scan" in kind and name:
        yield kind, str(name)
    for child in node.get("Plans", ()):
        yield from scans(child)


@dataclass(frozen=True)
class Checked:
    name: str
    service: str
    scans: list[tuple[str, str]]
    ms: float
    shared_read: int  # blocks read from outside Postgres's cache
    index_only: bool  # should be answered by an Index Only Scan
    ok: bool


def judge(name: str, service: str, plans: list[Any], index_only: bool) -> Checked:
    found = [s for p in plans for s in scans(p.get("Plan", {}))]
    kinds = {kind for kind, _ in found}
    ok = (kinds <= {"Index Only Scan"} if index_only else "Seq Scan" not in kinds) and bool(found)
    return Checked(name, service, found, round(sum(p.get("Execution Time", 0.0) for p in plans), 3),
                   sum(int(p.get("Plan", {}).get("Shared Read Blocks", 0)) for p in plans),
                   index_only, ok)


def check_dashboard(dsns: Mapping[str, str], saga: Saga, saga_id: str) -> list[Checked]:
    """Every dashboard read's plans, run for real (ANALYZE), judged per read and service."""
    reads = explain.dashboard_reads(saga, saga_id, time.time())
    index_only = {hot.label for hot in reads if hot.index_only}
    grouped: dict[tuple[str, str], list[Any]] = {}
    for found in explain.explain(dsns, reads):
        grouped.setdefault((found["label"], found["service"]), []).append(found["plan"])
    return [judge(label, service, plans, label in index_only)
            for (label, service), plans in grouped.items()]

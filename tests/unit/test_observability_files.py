"""deploy/observability: the alert rules and the Grafana dashboard query only metrics the
services expose, and compose wires Prometheus and Grafana to those files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import promql_parser
import pytest
import yaml
from prometheus_client import CollectorRegistry

from sagaline.core.observability.metrics import Backlog
from sagaline.core.runtime.service import Service
from sagaline.seed_saga.saga import SAGA
from tests.unit.test_offline_docs import SERVICES

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "observability"
BUILT_IN = {"up"}  # what Prometheus itself records per target
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"),
            "summary": ("_count", "_sum"), "gauge": ("",), "info": ("_info",)}


def exposed(registry: CollectorRegistry) -> set[str]:
    """Every series name the registry can produce, also for labelled metrics with no child."""
    return {family.name + suffix for family in registry.collect()
            for suffix in SUFFIXES.get(family.type, ("",))}


@pytest.fixture(scope="module")
def metric_names() -> set[str]:
    names = set(BUILT_IN)
    for build in SERVICES.values():
        service: Service = build()
        assert service.metrics is not None
        # With fakes there is no database pool; the real service watches its outbox the same.
        service.metrics.watch_outbox(lambda: Backlog(0, 0.0))
        names |= exposed(service.metrics.registry)
    return names


def selectors(expr: str) -> set[str]:
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            found.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def rule_expressions() -> Iterator[tuple[str, str]]:
    for group in yaml.safe_load((DEPLOY / "alerts.yml").read_text())["groups"]:
        for rule in group["rules"]:
            yield rule["alert"], rule["expr"]


def dashboard_expressions() -> Iterator[tuple[str, str]]:
    dashboard = orjson.loads((DEPLOY / "grafana" / "dashboards" / "sagaline.json").read_bytes())
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            yield panel["title"], target["expr"]


def test_the_names_are_read_from_the_expressions() -> None:
    assert selectors('sum(rate(a_total{x="1"}[5m])) / on() b > 3 and up') == {
        "a_total", "b", "up"}


def test_alert_rules_name_only_metrics_that_exist(metric_names: set[str]) -> None:
    rules = dict(rule_expressions())
    assert {"SagaStuck", "OutboxNotDraining", "DeadLettersGrowing", "ConsumerLagHigh",
            "SagaLatencyP99High"} <= set(rules)
    unknown = {alert: selectors(expr) - metric_names for alert, expr in rules.items()}
    assert {alert: names for alert, names in unknown.items() if names} == {}


def test_the_dashboard_names_only_metrics_that_exist(metric_names: set[str]) -> None:
    panels = list(dashboard_expressions())
    assert len(panels) >= 10
    unknown = {title: selectors(expr) - metric_names for title, expr in panels}
    assert {title: names for title, names in unknown.items() if names} == {}
    used = set().union(*(selectors(expr) for _, expr in panels))
    sagaline = {n for n in metric_names if n.startswith("sagaline_")}
    # every family is on the dashboard (one of a histogram's series is enough)
    families = {n.removesuffix(s) for n in sagaline for s in ("_bucket", "_count", "_sum")
                if n.endswith(s)} | {n for n in sagaline if not n.endswith(("_count", "_sum"))}
    assert {f for f in families if not any(u.startswith(f) for u in used)} == set()


def test_compose_runs_prometheus_and_grafana_with_these_files_under_a_profile() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    scrape = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    for name in ("prometheus", "grafana"):
        assert compose[name]["profiles"] == ["observability"]
        for volume in compose[name]["volumes"]:
            assert (ROOT / volume.split(":")[0]).exists(), volume
    mounted = {v.split(":")[1] for v in compose["prometheus"]["volumes"]}
    assert set(scrape["rule_files"]) <= mounted
    targets = {t for c in scrape["scrape_configs"] for s in c["static_configs"]
               for t in s["targets"]}
    assert targets == {f"{name}:{compose[name]['environment']['PORT']}" for name in SAGA.names}
    assert {name: compose[name]["environment"]["PORT"] for name in SAGA.names} == {
        name: SAGA.http_port(name) for name in SAGA.names}

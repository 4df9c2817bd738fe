"""deploy/k8s and the compose `cluster` profile: they parse, and every environment variable
they give a process is one its settings model reads (a misspelt name would be ignored). The
services are the default saga's, read from its declaration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from sagaline import settings
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import env_prefix, service_settings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def containers(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if doc["kind"] in ("Deployment", "StatefulSet"):
        yield from doc["spec"]["template"]["spec"]["containers"]


def env_names(model: type[BaseSettings]) -> set[str]:
    """What the model reads: each field's aliases (a service's `<NAME>_DB_DSN`, ...), else its
    name (case-insensitive)."""
    names = set()
    for name, info in model.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {c.upper() for c in alias.choices if isinstance(c, str)}
        else:
            names.add((alias if isinstance(alias, str) else name).upper())
    return names


def dashboard_model() -> type[BaseSettings]:
    model = getattr(settings, "DashboardSettings", None)
    if model is None:
        pytest.skip("DashboardSettings is not in this branch (the dashboard's own branch)")
    return model  # type: ignore[no-any-return]


def test_kustomization_names_every_manifest_and_each_parses() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    for name in listed:
        assert all("kind" in d and "apiVersion" in d for d in documents(K8S / name)), name


def check_service_manifest(docs: list[dict[str, Any]], model: type[BaseSettings], name: str,
                           port: int, also_read: frozenset[str] = frozenset()) -> None:
    """A service's manifest: it sets only what `model` (or `also_read`) reads, its own
    database and port by name, the probes, and a StatefulSet, a Service and a PDB."""
    [container] = [c for d in docs for c in containers(d)]
    given = {e["name"]: e.get("value") for e in container["env"]}
    assert set(given) <= env_names(model) | also_read, set(given) - env_names(model)
    prefix = env_prefix(name)
    assert {"REPLICA_ID", f"{prefix}_DB_DSN", "KAFKA_BOOTSTRAP_SERVERS"} <= set(given)
    assert given[f"{prefix}_HTTP_PORT"] == str(port)
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    assert container["command"][-2:] == ["serve", name]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert {d["kind"] for d in docs} == {"StatefulSet", "Service", "PodDisruptionBudget"}
    assert {d["metadata"]["name"] for d in docs} == {name}


@pytest.mark.parametrize("service", SAGA.names)
def test_each_service_sets_only_what_its_settings_read(service: str) -> None:
    check_service_manifest(documents(K8S / f"{service}.yaml"), service_settings(SAGA, service),
                           service, SAGA.http_port(service))


def test_the_dashboard_sets_only_what_its_settings_read() -> None:
    [container] = [c for d in documents(K8S / "dashboard.yaml") for c in containers(d)]
    given = {e["name"] for e in container["env"]}
    by_name = {f"{settings.env_prefix(n)}_{s}" for n in SAGA.names  # SystemSettings.dsn(name)
               for s in ("DB_DSN", "HTTP_PORT")}
    assert given <= env_names(dashboard_model()) | by_name, given - env_names(dashboard_model())


def test_the_compose_cluster_profile_is_a_quorum_of_three_at_two_required_copies() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    nodes = {name: spec for name, spec in compose.items() if name.startswith("kafka-")}
    assert sorted(nodes) == ["kafka-1", "kafka-2", "kafka-3"]
    ids = set()
    for name, spec in nodes.items():
        env = spec["environment"]
        assert spec["profiles"] == ["cluster"]
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == (
            "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093")
        assert (env["KAFKA_MIN_INSYNC_REPLICAS"], env["KAFKA_DEFAULT_REPLICATION_FACTOR"]) == (2, 3)
        assert f"INTERNAL://{name}:29092" in env["KAFKA_ADVERTISED_LISTENERS"]
        ids.add(env["KAFKA_NODE_ID"])
    assert ids == {1, 2, 3}
    assert "TOPIC_REPLICATION_FACTOR" in compose["topic-init"]["environment"]

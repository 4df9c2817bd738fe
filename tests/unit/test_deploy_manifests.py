"""deploy/k8s and the compose `cluster` profile: they parse, and every environment variable
they give a process is one its settings model reads (a misspelt name would be ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from sagaline import settings
from sagaline.seed_saga.inventory.settings import InventorySettings
from sagaline.seed_saga.order.settings import OrderSettings
from sagaline.seed_saga.payment.settings import PaymentSettings
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SERVICE_MODELS: dict[str, type[BaseSettings]] = {
    "order": OrderSettings, "payment": PaymentSettings, "inventory": InventorySettings}


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def containers(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if doc["kind"] in ("Deployment", "StatefulSet"):
        yield from doc["spec"]["template"]["spec"]["containers"]


def env_names(model: type[BaseSettings]) -> set[str]:
    """What the model reads: each field's alias, else its name (case-insensitive)."""
    names = set()
    for name, info in model.model_fields.items():
        alias = info.validation_alias
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


@pytest.mark.parametrize("service", sorted(SERVICE_MODELS))
def test_each_service_sets_only_what_its_settings_read(service: str) -> None:
    docs = documents(K8S / f"{service}.yaml")
    [container] = [c for d in docs for c in containers(d)]
    given = {e["name"] for e in container["env"]}
    assert given <= env_names(SERVICE_MODELS[service]), given - env_names(
        SERVICE_MODELS[service])
    assert {"REPLICA_ID", f"{service.upper()}_DB_DSN", "KAFKA_BOOTSTRAP_SERVERS"} <= given
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert {d["kind"] for d in docs} == {"StatefulSet", "Service", "PodDisruptionBudget"}


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

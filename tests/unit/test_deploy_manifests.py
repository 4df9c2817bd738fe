"""deploy/k8s and the compose `cluster` profile: they parse, and every environment variable
they give a process is one its settings model reads (a misspelt name would be ignored). The
services are the default saga's, read from its declaration."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

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
API_KEYS_SECRET = "sagaline-api-keys"
BY_NAME = ("_DB_DSN", "_HTTP_PORT")  # the variables read by a service's name
S = TypeVar("S", bound=BaseSettings)


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
    check_not_open(container, name)


def secret_refs(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each variable given from a Secret: its secretKeyRef."""
    return {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]
            if "secretKeyRef" in e.get("valueFrom", {})}


def check_not_open(container: dict[str, Any], name: str) -> None:
    """A service requires a client key, its keys come from a Secret, and its Kafka
    credentials from a Secret of its own, named after it."""
    given = {e["name"]: e.get("value") for e in container["env"]}
    secrets = secret_refs(container)
    assert given["REQUIRE_API_KEY"] == "true", name
    assert secrets["API_KEYS"] == {"name": API_KEYS_SECRET, "key": "API_KEYS"}, name
    assert secrets["ADMIN_API_KEYS"]["name"] == API_KEYS_SECRET, name
    assert secrets["KAFKA_CLIENT_CONFIG"] == {"name": kafka_secret(name),
                                              "key": "KAFKA_CLIENT_CONFIG"}, name


def kafka_secret(name: str) -> str:
    return f"{name}-kafka-client"


def k8s_env(container: dict[str, Any]) -> dict[str, str]:
    """The container's environment with stand-ins for what the cluster fills in."""
    stand_ins = {"KAFKA_CLIENT_CONFIG": "{}", "API_KEYS": "gateway-key"}
    env = {}
    for e in container["env"]:
        source = e.get("valueFrom", {})
        env[e["name"]] = e["value"] if "value" in e else stand_ins.get(
            e["name"], "pod-0" if "fieldRef" in source else f"from {sorted(source)}")
    return env


def settings_from(model: type[S], env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> S:
    """`model` read from exactly `env` (as its process would be started with it)."""
    for key in list(os.environ):
        if key.upper() in env_names(model) or key.upper().endswith(BY_NAME):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return model()


@pytest.mark.parametrize("service", SAGA.names)
def test_each_service_sets_only_what_its_settings_read(service: str) -> None:
    check_service_manifest(documents(K8S / f"{service}.yaml"), service_settings(SAGA, service),
                           service, SAGA.http_port(service))


def test_the_dashboard_sets_only_what_its_settings_read() -> None:
    [container] = [c for d in documents(K8S / "dashboard.yaml") for c in containers(d)]
    given = {e["name"] for e in container["env"]}
    assert secret_refs(container)["KAFKA_CLIENT_CONFIG"]["name"] == kafka_secret("dashboard")
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


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A label selector (matchLabels, matchExpressions In/NotIn/Exists) matches `labels`."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for e in selector.get("matchExpressions", []):
        value, values = labels.get(e["key"]), e.get("values", [])
        if not {"In": value in values, "NotIn": value not in values,
                "Exists": value is not None}[e["operator"]]:
            return False
    return True


def test_only_the_gateway_reaches_the_dashboard() -> None:
    """It checks no keys and shows every order: the gateway reaches it, no pod of the
    namespace does (the services admit the namespace: the dashboard asks their /ready)."""
    policies = [d for d in documents(K8S / "network-policy.yaml") if d["kind"] == "NetworkPolicy"]

    def admitted(name: str) -> list[dict[str, Any]]:
        labels = {"app.kubernetes.io/name": name}
        return [source for p in policies if selects(p["spec"]["podSelector"], labels)
                for rule in p["spec"]["ingress"] for source in rule["from"]]

    gateway = {"namespaceSelector": {"matchLabels": {"sagaline.io/gateway": "true"}}}
    assert admitted("dashboard") == [gateway]
    for service in SAGA.names:
        assert {"podSelector": {}} in admitted(service) and gateway in admitted(service)

"""docker-compose.yml, deploy/k8s and deploy/observability are rendered from the saga's
declaration (`sagaline render`): the committed files are the default saga's rendering, and a
saga with a fourth service gets, for every service, a compose container with its own Postgres,
a k8s manifest and a Prometheus scrape target."""

from __future__ import annotations

import json
from typing import Any, Literal
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import BaseModel, Field

from sagaline import deploy, saga_choice
from sagaline.core.saga import Saga, Service, Topic
from sagaline.seed_saga import topics
from sagaline.seed_saga.saga import SAGA as SEED
from sagaline.settings import DashboardSettings, ServiceSettings, env_prefix, service_settings
from tests import compose_env
from tests.unit.test_deploy_manifests import (
    ROOT,
    check_not_open,
    check_service_manifest,
    containers,
    env_names,
    k8s_env,
    kafka_secret,
    secret_refs,
    settings_from,
)

pytestmark = pytest.mark.unit


class PointsAwarded(BaseModel):
    orderId: str
    points: int


class LoyaltySettings(ServiceSettings):
    points_per_order: int = 10
    tier: Literal["basic", "gold"] = "basic"
    # No scalar default: not one of the knobs the files show.
    bonus_skus: dict[str, int] = Field(default_factory=dict)


def award_points(event: Any, uow: Any) -> None:
    """Loyalty points for a reserved order (never called: only the declaration is rendered)."""


# The seed's three steps and a fourth after inventory; its name has a '-' to show that the
# variables take env_prefix's form (LOYALTY_POINTS_DB_DSN) and the hosts the name's.
LOYALTY = Service[Any](
    name="loyalty-points", package=__name__, consumer_group="loyalty-points-group",
    consumes={topics.INVENTORY_RESERVED: award_points},
    produces=(Topic("loyalty-points.awarded", PointsAwarded),),
    settings=LoyaltySettings, parts=lambda *args, **kwargs: None)
FOUR = Saga(name="four", services=(*SEED.services, LOYALTY), statuses=SEED.statuses,
            owner=SEED.owner)
REFERENCE = f"{__name__}:FOUR"


def parsed(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


@pytest.mark.parametrize("kind", sorted(deploy.RENDERERS))
def test_the_committed_files_are_the_default_sagas_rendering(kind: str) -> None:
    renderer = deploy.RENDERERS[kind]
    directory = ROOT / renderer.directory
    files = deploy.render(kind, SEED)
    for name, text in files.items():
        assert (directory / name).read_text() == text, f"run `sagaline render {kind}`"
    if renderer.owns:  # no manifest of a service the saga no longer declares
        assert {p.name for p in directory.glob(renderer.owns)} == set(files)


@pytest.mark.parametrize("kind", sorted(deploy.RENDERERS))
def test_the_default_saga_needs_no_saga_variable(kind: str) -> None:
    files = deploy.render(kind, SEED, saga_choice.DEFAULT)
    assert files == deploy.render(kind, SEED)
    assert not [name for name, text in files.items() if "SAGALINE_SAGA" in text]


def test_compose_gives_every_service_a_container_and_a_postgres_of_its_own() -> None:
    compose = yaml.safe_load(deploy.render("compose", FOUR, REFERENCE)["docker-compose.yml"])
    services = compose["services"]
    for name in FOUR.names:
        spec, database = services[name], services[f"postgres-{name}"]
        env, prefix, port = spec["environment"], env_prefix(name), FOUR.http_port(name)
        assert spec["command"] == ["python", "-m", "sagaline", "serve", name]
        assert env["PORT"] == env[f"{prefix}_HTTP_PORT"] == port
        assert spec["ports"] == [f"127.0.0.1:{port}:{port}"]
        assert database["ports"] == [f"127.0.0.1:{FOUR.db_port(name)}:5432"]
        dsn = urlsplit(env[f"{prefix}_DB_DSN"])
        assert (dsn.hostname, dsn.username, dsn.password, dsn.path.lstrip("/")) == (
            f"postgres-{name}", *(database["environment"][f"POSTGRES_{part}"]
                                  for part in ("USER", "PASSWORD", "DB")))
        assert spec["depends_on"][f"postgres-{name}"] == {"condition": "service_healthy"}
        assert f"postgres-{name}" in compose["volumes"]
        assert env["SAGALINE_SAGA"] == REFERENCE
        also = {"PORT", "SAGALINE_SAGA"}
        assert set(env) - also <= env_names(service_settings(FOUR, name)), name
    assert {"POINTS_PER_ORDER", "TIER"} <= set(services[LOYALTY.name]["environment"])
    assert "BONUS_SKUS" not in services[LOYALTY.name]["environment"]
    assert services["topic-init"]["environment"]["SAGALINE_SAGA"] == REFERENCE
    assert services["prometheus"]["depends_on"] == list(FOUR.names)
    check_dashboard(services["dashboard"]["environment"], services)


def check_dashboard(env: dict[str, Any], services: dict[str, Any]) -> None:
    """The dashboard reads every service's database and finds each service by its host."""
    for name in FOUR.names:
        assert env[f"{env_prefix(name)}_DB_DSN"] == (
            services[name]["environment"][f"{env_prefix(name)}_DB_DSN"])
        assert services["dashboard"]["depends_on"][f"postgres-{name}"]
    assert json.loads(env["SERVICE_URLS"]) == {
        n: f"http://{n}:{FOUR.http_port(n)}" for n in FOUR.names}
    assert env["SAGALINE_SAGA"] == REFERENCE


def test_k8s_gives_every_service_a_manifest_the_kustomization_lists() -> None:
    files = deploy.render("k8s", FOUR, REFERENCE)
    kustomization = yaml.safe_load(files["kustomization.yaml"])
    assert kustomization["resources"] == [n for n in files if n != "kustomization.yaml"]
    for name in FOUR.names:
        docs = parsed(files[f"{name}.yaml"])
        check_service_manifest(docs, service_settings(FOUR, name), name, FOUR.http_port(name),
                               also_read=frozenset({"SAGALINE_SAGA"}))
        [env] = [c["env"] for c in docs[0]["spec"]["template"]["spec"]["containers"]]
        assert {"name": "SAGALINE_SAGA", "value": REFERENCE} in env
    [dashboard] = parsed(files["dashboard.yaml"])[0]["spec"]["template"]["spec"]["containers"]
    given = {e["name"]: e for e in dashboard["env"]}
    for name in FOUR.names:
        variable = f"{env_prefix(name)}_DB_DSN"
        assert given[variable]["valueFrom"]["secretKeyRef"]["key"] == variable
    assert json.loads(given["SERVICE_URLS"]["value"]) == {
        n: f"http://{n}:{FOUR.http_port(n)}" for n in FOUR.names}


def test_compose_requires_every_services_keys_from_the_shell(
        monkeypatch: pytest.MonkeyPatch) -> None:
    services = yaml.safe_load(deploy.render("compose", FOUR, REFERENCE)["docker-compose.yml"])[
        "services"]
    for name in FOUR.names:
        spec = services[name]["environment"]
        assert spec["REQUIRE_API_KEY"] == "true", name
        # No default: a `docker compose up` without keys stops at once, naming API_KEYS.
        with pytest.raises(compose_env.MissingVariable, match="API_KEYS"):
            compose_env.environment(spec, shell={})
        env = compose_env.environment(spec, shell={"API_KEYS": "k1,k2"})
        loaded = settings_from(service_settings(FOUR, name), env, monkeypatch)
        assert (loaded.http_host, loaded.require_api_key, loaded.served_open()) == (
            "0.0.0.0", True, False), name
        assert [k.get_secret_value() for k in loaded.api_keys] == ["k1", "k2"]
    dashboard = compose_env.environment(services["dashboard"]["environment"], shell={})
    # Open inside the compose network on purpose: published on the host's loopback only.
    assert settings_from(DashboardSettings, dashboard, monkeypatch).served_open()
    assert services["dashboard"]["ports"] == ["127.0.0.1:4000:4000"]


def test_k8s_requires_every_services_keys_and_gives_each_its_own_kafka_secret(
        monkeypatch: pytest.MonkeyPatch) -> None:
    files = deploy.render("k8s", FOUR, REFERENCE)
    kafka_secrets = {}
    for name in [*FOUR.names, "dashboard"]:
        [container] = [c for d in parsed(files[f"{name}.yaml"]) for c in containers(d)]
        kafka_secrets[name] = secret_refs(container)["KAFKA_CLIENT_CONFIG"]["name"]
        if name == "dashboard":
            continue
        check_not_open(container, name)
        loaded = settings_from(service_settings(FOUR, name), k8s_env(container), monkeypatch)
        assert loaded.require_api_key and not loaded.served_open(), name
    assert kafka_secrets == {n: kafka_secret(n) for n in kafka_secrets}
    assert len(set(kafka_secrets.values())) == len(FOUR.names) + 1


def test_prometheus_scrapes_every_service_and_the_alerts_name_the_owner() -> None:
    files = deploy.render("prometheus", FOUR, REFERENCE)
    scrape = yaml.safe_load(files["prometheus.yml"])
    targets = {(t, c["labels"]["service"]) for job in scrape["scrape_configs"]
               for c in job["static_configs"] for t in c["targets"]}
    assert targets == {(f"{n}:{FOUR.http_port(n)}", n) for n in FOUR.names}
    rules = {r["alert"]: r for g in yaml.safe_load(files["alerts.yml"])["groups"]
             for r in g["rules"]}
    assert f"the {FOUR.owner} service's log" in rules["SagaStuck"]["annotations"]["description"]
    assert f'status="{FOUR.statuses.final[0]}"' in rules["SagaLatencyP99High"]["expr"]


def test_a_service_whose_name_is_no_host_name_is_refused() -> None:
    from dataclasses import replace

    odd = replace(LOYALTY, name="loyalty_points", consumer_group="odd-group")
    saga = Saga(name="odd", services=(*SEED.services, odd), statuses=SEED.statuses,
                owner=SEED.owner)
    for kind in deploy.RENDERERS:
        with pytest.raises(ValueError, match="'loyalty_points' cannot be deployed"):
            deploy.render(kind, saga)

"""deploy/k8s for a saga: a manifest per declared service, the dashboard's, the shared ones,
and the kustomization that lists them all."""

from __future__ import annotations

import textwrap

from sagaline.core.saga import Saga
from sagaline.deploy import k8s_templates, k8s_workloads
from sagaline.deploy.facts import Deployed, deployed, kafka_secret, non_default, service_urls
from sagaline.deploy.text import fill, lines, quoted

DASHBOARD = "dashboard"
SHARED = {"namespace.yaml": k8s_templates.NAMESPACE, "config.yaml": k8s_templates.CONFIG,
          "network-policy.yaml": k8s_templates.NETWORK_POLICY}


def render(saga: Saga, reference: str | None = None) -> dict[str, str]:
    services = deployed(saga)
    chosen = non_default(reference)
    saga_env = value_env("SAGALINE_SAGA", chosen) if chosen else ""
    own = {f"{s.name}.yaml": manifest(s, saga_env) for s in services}
    if clash := set(own) & {*SHARED, f"{DASHBOARD}.yaml", "kustomization.yaml"}:
        raise ValueError(f"a service's manifest would replace a shared one: {sorted(clash)}")
    files = {**SHARED, **own, f"{DASHBOARD}.yaml": dashboard(services, saga_env)}
    command = "sagaline render k8s" + (f" --saga {chosen}" if chosen else "")
    return {"kustomization.yaml": kustomization(saga, services, list(files), command),
            **files}


def manifest(service: Deployed, saga_env: str) -> str:
    return fill(k8s_workloads.SERVICE, name=service.name, port=service.port,
                prefix=service.prefix, summary=comment(service.summary),
                kafka_secret=service.kafka_secret, knobs=knobs(service), saga=saga_env)


def knobs(service: Deployed) -> str:
    """The step's own settings at their defaults, where an operator sees and changes them."""
    if not service.knobs:
        return ""
    return lines([f"# Its own settings ({service.knobs_from}), at their defaults:",
                  *(value_env(name, default) for name, default in service.knobs)])


def dashboard(services: tuple[Deployed, ...], saga_env: str) -> str:
    dsns = lines(fill(k8s_templates.SECRET_ENV, variable=f"{s.prefix}_DB_DSN")
                 for s in services)
    return fill(k8s_workloads.DASHBOARD, dsns=dsns, service_urls=service_urls(services),
                kafka_secret=kafka_secret(DASHBOARD), saga=saga_env)


def kustomization(saga: Saga, services: tuple[Deployed, ...], resources: list[str],
                  command: str) -> str:
    return fill(k8s_templates.KUSTOMIZATION, saga_name=saga.name, command=command,
                names=", ".join(s.name for s in services),
                dsn_names=", ".join(f"{s.prefix}_DB_DSN" for s in services),
                kafka_secrets=comment("The Kafka Secrets: " + ", ".join(
                    [*(s.kafka_secret for s in services), kafka_secret(DASHBOARD)]) + "."),
                resources=lines(f"- {name}" for name in resources))


def value_env(variable: str, value: str) -> str:
    return fill(k8s_templates.VALUE_ENV, variable=variable, value=quoted(value)).rstrip("\n")


def comment(text: str) -> str:
    return lines(f"# {line}" for line in textwrap.wrap(text, 93)) if text else ""

"""docker-compose.yml for a saga: Kafka and the topic initialiser as always, then one Postgres
and one container per declared service, the dashboard and the observability profile."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sagaline.core.saga import Saga
from sagaline.deploy import compose_infra, compose_templates
from sagaline.deploy.facts import Deployed, deployed, non_default, service_urls
from sagaline.deploy.text import fill, flow_list, lines, quoted

FILE = "docker-compose.yml"
_PLAIN = re.compile(r"[\w.+/@,:-]*")


def render(saga: Saga, reference: str | None = None) -> dict[str, str]:
    services = deployed(saga)
    chosen = non_default(reference)
    saga_env = f"SAGALINE_SAGA: {quoted(chosen)}" if chosen else ""
    parts = [
        header(saga, services, chosen),
        compose_infra.ANCHORS,
        "services:\n" + fill(compose_infra.KAFKA, saga=saga_env),
        *(postgres(s) for s in services),
        *(container(s, saga_env) for s in services),
        dashboard(services, saga_env),
        fill(compose_templates.OBSERVABILITY, services=flow_list(s.name for s in services)),
        volumes(services),
    ]
    return {FILE: lines(parts, "\n\n") + "\n"}


def header(saga: Saga, services: tuple[Deployed, ...], chosen: str | None) -> str:
    return fill(compose_templates.HEADER, saga_name=saga.name,
                command="sagaline render compose" + (f" --saga {chosen}" if chosen else ""),
                db_ports="/".join(str(s.db_port) for s in services),
                ports="/".join(str(s.port) for s in services))


def postgres(service: Deployed) -> str:
    return fill(compose_templates.POSTGRES, name=service.name, db_port=service.db_port,
                db_user=service.db_user, db_password=service.db_password,
                db_name=service.db_name)


def dsn(service: Deployed) -> str:
    """The service's database on the compose network (its own Postgres container)."""
    return (f"postgresql://{service.db_user}:{service.db_password}"
            f"@postgres-{service.name}:5432/{service.db_name}")


def container(service: Deployed, saga_env: str) -> str:
    knobs = lines(f"{name}: {knob(name, default)}" for name, default in service.knobs)
    return fill(compose_templates.SERVICE, name=service.name, port=service.port,
                prefix=service.prefix, dsn=dsn(service), knobs=knobs, saga=saga_env)


def knob(name: str, default: str) -> str:
    """A step's knob: from the shell when set there, else the step's default. A default that
    compose's `${VAR:-default}` cannot hold (a brace, a dollar, a space) is given as it is."""
    if _PLAIN.fullmatch(default):
        return f"${{{name}:-{default}}}"
    return quoted(default.replace("$", "$$"))  # $$: compose's escaped dollar


def dashboard(services: tuple[Deployed, ...], saga_env: str) -> str:
    return fill(compose_templates.DASHBOARD,
                databases_healthy=lines(f"postgres-{s.name}: {{condition: service_healthy}}"
                                        for s in services),
                dsns=lines(f"{s.prefix}_DB_DSN: {dsn(s)}" for s in services),
                service_urls=service_urls(services), saga=saga_env)


def volumes(services: Iterable[Deployed]) -> str:
    names = [*compose_infra.KAFKA_VOLUMES, *(f"postgres-{s.name}" for s in services)]
    return "volumes:\n" + lines(f"  {name}:" for name in names)

"""What the deployment files say about each service, read from the declaration: its port, its
database, its environment variables and its own knobs. Every renderer reads these, so compose,
k8s and Prometheus cannot disagree about a port or a variable's name."""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic.fields import FieldInfo

from sagaline import saga_choice
from sagaline.core.saga import Saga, Service
from sagaline.settings import ServiceSettings, env_prefix

# A service's name is a host name in compose and a resource name in k8s (RFC 1123 label).
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_STATUS = re.compile(r"\w+")  # a status goes into PromQL label matchers
_SCALARS = (str, int, float, bool, Enum)


@dataclass(frozen=True)
class Deployed:
    """One service as the deployment files see it."""

    name: str
    port: int  # its HTTP port, in the container and on the host
    db_port: int  # its Postgres on the host (compose)
    knobs: tuple[tuple[str, str], ...]  # (VARIABLE, default) of the step's own settings
    knobs_from: str  # the module of the step's settings model
    summary: str  # what the step does: the first paragraph of its package's docstring

    @property
    def prefix(self) -> str:
        return env_prefix(self.name)

    @property
    def kafka_secret(self) -> str:
        return kafka_secret(self.name)

    @property
    def db_name(self) -> str:
        return f"{self.prefix.lower()}_db"

    @property
    def db_user(self) -> str:
        return f"{self.prefix.lower()}_user"

    @property
    def db_password(self) -> str:  # compose's development password, as the local stack's
        return f"{self.prefix.lower()}_pass"


def kafka_secret(process: str) -> str:
    """The k8s Secret with a process's own KAFKA_CLIENT_CONFIG: each has its own Kafka user,
    with the ACLs of its own topics and group only."""
    return f"{process}-kafka-client"


def deployed(saga: Saga) -> tuple[Deployed, ...]:
    """The saga's services in its order, each checked to be usable as a host name."""
    for name in saga.names:
        if not _DNS_LABEL.fullmatch(name):
            raise ValueError(f"service {name!r} cannot be deployed: its name must be a DNS "
                             "label (lower-case letters, digits and '-')")
    return tuple(Deployed(name=s.name, port=saga.http_port(s.name), db_port=saga.db_port(s.name),
                          knobs=knobs(s), knobs_from=s.settings.__module__, summary=summary(s))
                 for s in saga.services)


def knobs(service: Service[Any]) -> tuple[tuple[str, str], ...]:
    """The settings the step adds to every service's (`ServiceSettings`), with their defaults
    as text: what an operator of this step may want to set. Settings without a scalar
    default (a mapping, a secret, a required one) are left out: they have no text to show."""
    own = {n: f for n, f in service.settings.model_fields.items()
           if n not in ServiceSettings.model_fields}
    return tuple((variable(name, info), as_text(info.default)) for name, info in own.items()
                 if isinstance(info.default, _SCALARS))


def variable(name: str, info: FieldInfo) -> str:
    alias = info.validation_alias
    return (alias if isinstance(alias, str) else name).upper()


def as_text(value: object) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"  # 60.0 -> 60, as a person writes it
    return str(value)


def summary(service: Service[Any]) -> str:
    """The first paragraph of the step's package docstring, on one line ("" without one)."""
    try:
        doc = importlib.import_module(service.package).__doc__ or ""
    except ImportError:
        return ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def success(saga: Saga) -> str:
    """The saga's successful status, checked to be a plain word."""
    status = saga.statuses.final[0]
    if not _STATUS.fullmatch(status):
        raise ValueError(f"status {status!r} cannot go into a metric's label matcher")
    return status


def non_default(reference: str | None) -> str | None:
    """The saga reference a process must be given (SAGALINE_SAGA), None for the default."""
    return reference if reference and reference != saga_choice.DEFAULT else None


def service_urls(services: tuple[Deployed, ...]) -> str:
    """SERVICE_URLS for the dashboard: each service by its host name on the network."""
    return json.dumps({s.name: f"http://{s.name}:{s.port}" for s in services})

"""A service's settings as its process reads them: the step's own model (its knobs) plus its
database and port, read by the service's name (`<NAME>_DB_DSN`, `<NAME>_HTTP_PORT`; the port's
default is the saga's, from the declaration's order)."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import AliasChoices, Field, create_model

from sagaline.core.saga import Saga
from sagaline.settings.common import ServiceSettings


def env_prefix(service: str) -> str:
    """A service's name as it starts its environment variables (`stock-eu` -> STOCK_EU)."""
    return service.upper().replace("-", "_")


@cache
def service_settings(saga: Saga, name: str) -> type[ServiceSettings]:
    """The settings model of service `name` of `saga`, read from the environment."""
    service = saga.service(name)
    prefix = env_prefix(name)
    fields: dict[str, Any] = {
        "db_dsn": (str, Field(validation_alias=AliasChoices(f"{prefix}_DB_DSN", "db_dsn"))),
        "http_port": (int, Field(saga.http_port(name), validation_alias=AliasChoices(
            f"{prefix}_HTTP_PORT", "http_port"))),
    }
    base: type[ServiceSettings] = service.settings
    return create_model(f"{prefix.title()}ServiceSettings", __base__=base, **fields)

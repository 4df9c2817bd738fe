"""What the operations tools and the local stack see: the whole system at once.

Each service's database and port are read by its name, for whichever services the chosen
saga declares: `<NAME>_DB_DSN` and `<NAME>_HTTP_PORT` (NAME: `env_prefix(name)`), from the
environment or given by keyword (`order_db_dsn=...`, as for any field). Unset, they are the
local stack's, derived from the declaration (settings.local_stack): the tools reach the
local stack from any directory, and no credentials file is read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from sagaline import saga_choice
from sagaline.core.saga import Saga
from sagaline.settings import local_stack
from sagaline.settings.common import KafkaSettings, TopicSettings
from sagaline.settings.services import env_prefix

BY_NAME = ("_db_dsn", "_http_port")  # the endings of the settings read by a service's name
# Not fields (their names depend on the saga), they are kept as the model's extra values.
WITH_NAMED = SettingsConfigDict(extra="allow", frozen=True, populate_by_name=True)


def _named(data: Any) -> Any:
    """The input plus every `<NAME>_DB_DSN` / `<NAME>_HTTP_PORT` of the environment (what
    is given by keyword wins), lower-cased. Read as they are: a port is checked when a
    service's is asked for, so a variable of something else that ends so breaks nothing."""
    if not isinstance(data, dict):
        return data
    found = {k.lower(): v for k, v in os.environ.items() if k.lower().endswith(BY_NAME)}
    given = {k.lower(): v for k, v in data.items() if k.lower().endswith(BY_NAME)}
    return {**{k: v for k, v in data.items() if not k.lower().endswith(BY_NAME)},
            **found, **given}


def _port(key: str, value: Any) -> int:
    port = int(value) if str(value).strip().isdigit() else 0
    if not 0 < port < 65536:
        raise ValueError(f"{key.upper()}={value}: not a TCP port")
    return port


class SystemSettings(KafkaSettings):
    """The auditor, dead letters, demo and benchmark: every service's database and port."""

    model_config = WITH_NAMED

    http_host: str = "127.0.0.1"
    # Dead-letter replay refuses letters older than the consumers' inbox remembers.
    inbox_retention_s: float = Field(7 * 24 * 3600.0, ge=0)
    # What a new account holds (the demo plans its orders around it); payment reads its own.
    starting_credit: int = Field(10_000, ge=0)
    # The admin key the tools present (restocking; X-API-Key). None here: the local stack's
    # development key is StackSettings' default only.
    admin_api_key: SecretStr = SecretStr("")

    _by_service_name = model_validator(mode="before")(_named)

    def dsn(self, name: str, saga: Saga | None = None) -> str:
        """Service `name`'s database: <NAME>_DB_DSN, else the local stack's (of `saga`, by
        default the chosen one)."""
        given = self._given(name, "db_dsn")
        if given is not None:
            return str(given)
        return local_stack.dsn(saga or saga_choice.load(), name)

    def http_port(self, name: str, saga: Saga | None = None) -> int:
        """Service `name`'s port: <NAME>_HTTP_PORT, else the one `saga` (by default the
        chosen one) declares."""
        given = self._given(name, "http_port")
        if given is None:
            return (saga or saga_choice.load()).http_port(name)
        return _port(f"{env_prefix(name)}_http_port", given)

    def with_services(self, dsns: Mapping[str, str] | None = None,
                      http_ports: Mapping[str, int] | None = None) -> Self:
        """A copy with these databases and ports, by service name (as `<NAME>_DB_DSN` and
        `<NAME>_HTTP_PORT` give them)."""
        named: dict[str, Any] = {f"{env_prefix(n).lower()}_db_dsn": dsn
                                 for n, dsn in (dsns or {}).items()}
        named |= {f"{env_prefix(n).lower()}_http_port": port
                  for n, port in (http_ports or {}).items()}
        return self.model_copy(update=named)

    def for_saga(self, saga: Saga) -> Self:
        """These settings with every service of `saga` given its database and port (the
        local stack's where unset), whichever saga is the chosen one later."""
        return self.with_services(
            dsns={n: self._given(n, "db_dsn") or local_stack.dsn(saga, n) for n in saga.names},
            http_ports={n: self.http_port(n) if self._given(n, "http_port") is not None
                        else saga.http_port(n) for n in saga.names})

    def _given(self, name: str, setting: str) -> Any:
        return (self.model_extra or {}).get(f"{env_prefix(name).lower()}_{setting}")

    def admin_headers(self) -> dict[str, str]:
        key = self.admin_api_key.get_secret_value()
        return {"X-API-Key": key} if key else {}


class StackSettings(SystemSettings, TopicSettings):
    """The local stack (`sagaline up`): where its data lives, and the topics it creates."""

    model_config = WITH_NAMED

    stack_dir: Path = Path(".stack")
    # Where Kafka's jars are fetched (devstack.kafka_jars); unset: the user's cache dir.
    sagaline_kafka_home: Path | None = None
    # A service's own KAFKA_CLIENT_CONFIG, by service name (the secure stack fills it with
    # each service's Kafka user); a service not named gets KAFKA_CLIENT_CONFIG.
    kafka_service_configs: dict[str, dict[str, str]] = Field(default_factory=dict)
    # The local stack gives it to every service it starts as ADMIN_API_KEYS.
    admin_api_key: SecretStr = SecretStr(local_stack.ADMIN_API_KEY)
    # Toxiproxy's API on the faulty stack (`up --faulty`); its proxies on the ports above it
    # (devstack/links.py).
    toxiproxy_port: int = Field(8474, gt=0, lt=65000)


@lru_cache(maxsize=1)
def stack_settings() -> StackSettings:
    return StackSettings()

"""Where each declared service of a saga is, for the tools that reach it from outside (the
demo, chaos, the benchmark, the dead letters): its database and its HTTP address, by the
service's name (`SystemSettings.dsn` / `http_port`: `<NAME>_DB_DSN` / `<NAME>_HTTP_PORT`,
else the local stack's)."""

from __future__ import annotations

from sagaline.core.saga import Saga
from sagaline.settings import SystemSettings

LOCAL_HOST = "127.0.0.1"  # the tools reach the local stack's services here


def dsn(settings: SystemSettings, name: str, saga: Saga | None = None) -> str:
    """The database of service `name` (of `saga`, by default the chosen one)."""
    return settings.dsn(name, saga)


def http_port(settings: SystemSettings, saga: Saga, name: str) -> int:
    """The HTTP port of service `name`: as set, else the saga's declared one."""
    return settings.http_port(name, saga)


def base_url(settings: SystemSettings, saga: Saga, name: str) -> str:
    return f"http://{LOCAL_HOST}:{http_port(settings, saga, name)}"


def owner_url(settings: SystemSettings, saga: Saga) -> str:
    """Where a saga starts: the owner's `start_path`, e.g. http://127.0.0.1:4001/orders."""
    return base_url(settings, saga, saga.owner) + saga.start_path


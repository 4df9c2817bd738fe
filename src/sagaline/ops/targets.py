"""Where each declared service of a saga is, for the tools that reach it from outside (the
demo, chaos, the benchmark, the dead letters): its database and its HTTP address.

Transitional: `SystemSettings` still has a field per seed service (`order_db_dsn`,
`order_http_port`, ...). Until it reads them by service name, these functions do: the
settings' field when it has one, else the variable `<NAME>_DB_DSN` / `<NAME>_HTTP_PORT`,
else (for a port) the saga's own. The tools go through here only, so they switch at once.
"""

from __future__ import annotations

import os

from sagaline.core.saga import Saga
from sagaline.settings import SystemSettings, env_prefix

LOCAL_HOST = "127.0.0.1"  # the tools reach the local stack's services here


def _named(settings: SystemSettings, name: str, what: str) -> str | None:
    variable = f"{env_prefix(name)}_{what}"
    value = getattr(settings, variable.lower(), None) or os.environ.get(variable)
    return None if value is None else str(value)


def dsn(settings: SystemSettings, name: str) -> str:
    """The database of service `name`."""
    found = _named(settings, name, "DB_DSN")
    if not found:
        raise LookupError(f"no database for service {name!r}: set {env_prefix(name)}_DB_DSN")
    return found


def http_port(settings: SystemSettings, saga: Saga, name: str) -> int:
    """The HTTP port of service `name`: as set, else the saga's declared one."""
    found = _named(settings, name, "HTTP_PORT")
    return int(found) if found else saga.http_port(name)


def base_url(settings: SystemSettings, saga: Saga, name: str) -> str:
    return f"http://{LOCAL_HOST}:{http_port(settings, saga, name)}"


def owner_url(settings: SystemSettings, saga: Saga) -> str:
    """Where a saga starts: the owner's `start_path`, e.g. http://127.0.0.1:4001/orders."""
    return base_url(settings, saga, saga.owner) + saga.start_path


"""Read-only connections to every declared service's database: small pools, every
transaction read-only and time-bounded on the server, so the dashboard can neither write nor
hold a service up. Each service's database and port come from the settings by its name
(`SystemSettings.dsn`, `http_port`); `service_url` adds the SERVICE_URLS overrides."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from sagaline.core.saga import Saga
from sagaline.settings import DashboardSettings, SystemSettings

# Read-only at the server; a slow query is cut off rather than left running.
_OPTIONS = "-c default_transaction_read_only=on -c statement_timeout=3000"


class Unavailable(Exception):
    """A database could not be read; the message names it."""


class Databases:
    """One pool per service database (opened in the background: the dashboard starts, and
    says so, while a database is down)."""

    def __init__(self, dsns: dict[str, str], size: int = 3) -> None:
        self._pools = {
            name: ConnectionPool(dsn, min_size=1, max_size=size, open=True, timeout=2.0,
                                 name=f"dashboard-{name}",
                                 kwargs={"application_name": "sagaline-dashboard",
                                         "options": _OPTIONS, "connect_timeout": 3})
            for name, dsn in dsns.items()}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._pools)

    @contextmanager
    def read(self, service: str) -> Iterator[psycopg.Connection]:
        """One read-only transaction on `service`'s database; errors become Unavailable."""
        try:
            with self._pools[service].connection() as conn:
                yield conn
        except (psycopg.Error, PoolTimeout) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise Unavailable(f"{service} database: {first}") from None

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()


def databases(settings: SystemSettings, saga: Saga) -> Databases:
    """A pool per service of `saga`, in its order."""
    return Databases({name: settings.dsn(name, saga) for name in saga.names})


def service_url(settings: DashboardSettings, saga: Saga, name: str) -> str:
    """Where service `name` answers GET /ready: its SERVICE_URLS entry, else HTTP_HOST and
    its port (`<NAME>_HTTP_PORT`, else the saga's port for it)."""
    if name in settings.service_urls:
        return settings.service_urls[name]
    host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host
    return f"http://{host}:{settings.http_port(name, saga)}"

"""Where each declared service of a saga answers HTTP, for the tools that reach it from
outside (the demo, chaos, the benchmark): its port by the service's name
(`SystemSettings.http_port`), on the local stack's host. Databases: `SystemSettings.dsn`."""

from __future__ import annotations

from sagaline.core.saga import Saga
from sagaline.settings import SystemSettings

LOCAL_HOST = "127.0.0.1"  # the tools reach the local stack's services here


def base_url(settings: SystemSettings, saga: Saga, name: str) -> str:
    return f"http://{LOCAL_HOST}:{settings.http_port(name, saga)}"


def owner_url(settings: SystemSettings, saga: Saga) -> str:
    """Where a saga starts: the owner's `start_path`, e.g. http://127.0.0.1:4001/orders."""
    return base_url(settings, saga, saga.owner) + saga.start_path


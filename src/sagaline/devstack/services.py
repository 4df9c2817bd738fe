"""The saga's services as stack components: `python -m sagaline serve <name>`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx

from sagaline import saga_choice
from sagaline.devstack import proc, shape
from sagaline.devstack.component import Component
from sagaline.settings import StackSettings, env_prefix


def service_env(name: str, settings: StackSettings, saga: str) -> dict[str, str]:
    """What service `name` of `saga` (module:attribute) needs to know of the stack: the saga,
    Kafka, its own database and port. The other services' databases are not its business (it
    is given none of their DSNs)."""
    prefix = env_prefix(name)
    return {
        saga_choice.ENV: saga,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "KAFKA_CLIENT_CONFIG": json.dumps(settings.kafka_service_configs.get(
            name, settings.kafka_client_config)),
        "KAFKA_COMPRESSION_TYPE": settings.kafka_compression_type,
        "HTTP_HOST": settings.http_host,
        f"{prefix}_DB_DSN": settings.dsn(name),
        f"{prefix}_HTTP_PORT": str(settings.http_port(name)),
        "ADMIN_API_KEYS": settings.admin_api_key.get_secret_value(),
    }


def _without_other_dsns(environ: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in environ.items() if not k.upper().endswith("_DB_DSN")}


class Service(Component):
    """One service process; ready when `GET /ready` answers 200."""

    stop_timeout = 20.0
    ready_timeout = 60.0

    def __init__(self, service: str, settings: StackSettings, stack_dir: Path, saga: str,
                 extra_env: Mapping[str, str] | None = None, module: str | None = None,
                 replica: int = 1, replica_id: str = "") -> None:
        """Service `service` of `saga` (module:attribute). Replica 1 is the component named
        like the service; replica r > 1 is "<service>-<r>", on its own port (see
        shape.replica_port). `module`: another entry point, run as `python -m <module>
        <service>`."""
        host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host
        name = service if replica == 1 else f"{service}-{replica}"
        port = shape.replica_port(settings.http_port(service), replica)
        super().__init__(name, stack_dir / "services", host, port)
        self.service = service
        self.settings = settings
        self.saga = saga
        own = {f"{env_prefix(service)}_HTTP_PORT": str(port), "REPLICA_ID": replica_id}
        self.extra_env = {**own, **(extra_env or {})}
        self.argv = [module, service] if module else ["sagaline", "serve", service]
        # A service always runs here: only infrastructure can be external.
        self.external = False

    @property
    def address(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def marker(self) -> str:
        return " ".join(self.argv)

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.address}/ready", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def _launch(self) -> subprocess.Popen[bytes]:
        env = {**_without_other_dsns(os.environ),
               **service_env(self.service, self.settings, self.saga), **self.extra_env}
        return proc.spawn([sys.executable, "-m", *self.argv], self.log_file, cwd=Path.cwd(),
                          env=env)

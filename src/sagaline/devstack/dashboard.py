"""The saga dashboard as a stack component: `python -m sagaline dashboard`, reading every
service's database and Kafka; ready when GET /healthz answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from sagaline import saga_choice
from sagaline.devstack import proc
from sagaline.devstack.component import Component
from sagaline.settings import DashboardSettings, StackSettings, env_prefix


class Dashboard(Component):
    stop_timeout = 10.0
    ready_timeout = 30.0

    def __init__(self, settings: StackSettings, stack_dir: Path, saga: str) -> None:
        """The dashboard of `saga` (module:attribute) on DASHBOARD_HOST:DASHBOARD_PORT."""
        own = DashboardSettings()  # DASHBOARD_HOST / DASHBOARD_PORT from the environment
        host = "127.0.0.1" if own.dashboard_host in ("0.0.0.0", "::", "") \
            else own.dashboard_host
        super().__init__("dashboard", stack_dir / "services", host, own.dashboard_port)
        self.settings = settings
        self.saga = saga
        self.bind_host = own.dashboard_host
        self.external = False  # it always runs here

    @property
    def address(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def marker(self) -> str:
        return "sagaline dashboard"

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.address}/healthz", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def environment(self) -> dict[str, str]:
        """Its own environment plus Kafka, and every service's database and port."""
        s = self.settings
        env = {**os.environ, saga_choice.ENV: self.saga,
               "KAFKA_BOOTSTRAP_SERVERS": s.kafka_bootstrap_servers,
               "KAFKA_CLIENT_CONFIG": json.dumps(s.kafka_client_config),
               "HTTP_HOST": s.http_host, "DASHBOARD_HOST": self.bind_host,
               "DASHBOARD_PORT": str(self.port),
               "ADMIN_API_KEY": s.admin_api_key.get_secret_value()}  # to act (issue 25)
        for name in saga_choice.load(self.saga).names:
            env[f"{env_prefix(name)}_DB_DSN"] = s.dsn(name)
            env[f"{env_prefix(name)}_HTTP_PORT"] = str(s.http_port(name))
        return env

    def _launch(self) -> subprocess.Popen[bytes]:
        return proc.spawn([sys.executable, "-m", "sagaline", "dashboard"], self.log_file,
                          cwd=Path.cwd(), env=self.environment())

"""The three saga services as stack components: `python -m sagaline.services.<name>`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from sagaline.services import ServiceSpec
from sagaline.settings import Settings
from sagaline.stack import proc
from sagaline.stack.component import Component


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as environment variables, so a child sees exactly what the launcher saw."""
    env: dict[str, str] = {}
    for key, value in settings.model_dump(mode="json").items():
        env[key.upper()] = value if isinstance(value, str) else json.dumps(value)
    return env


class Service(Component):
    """One service process; ready when `GET /ready` answers 200."""

    stop_timeout = 20.0
    ready_timeout = 60.0

    def __init__(self, spec: ServiceSpec, settings: Settings, stack_dir: Path) -> None:
        host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host
        super().__init__(spec.name, stack_dir / "services", host, spec.http_port(settings))
        self.spec = spec
        self.settings = settings
        # A service always runs here: only infrastructure can be external.
        self.external = False

    @property
    def address(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def marker(self) -> str:
        return self.spec.module

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.address}/ready", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def _launch(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, **settings_env(self.settings)}
        argv = [sys.executable, "-m", self.spec.module]
        return proc.spawn(argv, self.log_file, cwd=Path.cwd(), env=env)

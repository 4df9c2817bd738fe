"""Toxiproxy as a stack component (the faulty stack, `sagaline up --faulty`): one
`toxiproxy-server` holding every link's proxy (devstack/links.py), which it is given at start
in a config file (it keeps no state: a restart re-creates them, without toxics)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import httpx

from sagaline.devstack import proc
from sagaline.devstack.component import Component
from sagaline.devstack.errors import StackError
from sagaline.devstack.links import HOST, Link

NAME = "toxiproxy"
BINARY = "toxiproxy-server"
# `make toxiproxy` builds it here (Go module proxy, pinned in the Makefile).
TOOLS_BIN = Path(".tools") / "bin"
CHECKOUT = Path(__file__).resolve().parents[3]  # src/sagaline/devstack/ -> the checkout


def find_server() -> Path:
    """TOXIPROXY_SERVER, else the checkout's (or the working dir's) .tools/bin, else PATH."""
    given = os.environ.get("TOXIPROXY_SERVER")
    candidates = [Path(given)] if given else [
        Path.cwd() / TOOLS_BIN / BINARY, CHECKOUT / TOOLS_BIN / BINARY]
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    found = None if given else shutil.which(BINARY)
    if found is None:
        raise StackError(f"{given or BINARY} not found: `make toxiproxy` builds it with Go "
                         f"into {TOOLS_BIN} (or set TOXIPROXY_SERVER)")
    return Path(found)


class Toxiproxy(Component):
    """`toxiproxy-server` on 127.0.0.1:<api port>; ready when its API lists every proxy."""

    stop_timeout = 10.0
    ready_timeout = 30.0

    def __init__(self, stack_dir: Path, api_port: int, links: Sequence[Link]) -> None:
        super().__init__(NAME, stack_dir / NAME, HOST, api_port)
        self.links = list(links)

    @property
    def address(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.port, *(link.listen for link in self.links))

    @property
    def config_file(self) -> Path:
        return self.home / "proxies.json"

    def ready(self) -> bool:
        try:
            answer = httpx.get(f"{self.address}/proxies", timeout=2.0)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200 and {x.name for x in self.links} <= set(answer.json())

    def _launch(self) -> subprocess.Popen[bytes]:
        server = find_server()
        self.config_file.write_text(json.dumps([x.as_proxy() for x in self.links], indent=1))
        argv = [str(server), "-host", self.host, "-port", str(self.port),
                "-config", str(self.config_file)]
        # Its debug level logs every connection set up: noise in a log read for faults.
        return proc.spawn(argv, self.log_file, cwd=self.home,
                          env={**os.environ, "LOG_LEVEL": "info"})

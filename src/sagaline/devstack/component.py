"""What every stack component (Kafka, a Postgres server, a service) has in common."""

from __future__ import annotations

import signal
import subprocess
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from sagaline.devstack import proc
from sagaline.devstack.errors import StackError
from sagaline.devstack.ports import port_owner, port_taken_message

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0", ""})


@dataclass(frozen=True)
class ComponentStatus:
    """One row of `status`: what runs where."""

    name: str
    running: bool
    pid: int | None
    address: str
    data_dir: Path | None
    log_file: Path | None
    external: bool


class Component(ABC):
    """A process the stack starts, watches and stops through a pid file under its home dir.

    A component whose address is not local is *external*: it is never started or stopped,
    only checked for reachability.
    """

    stop_signal: int = signal.SIGTERM
    stop_timeout: float = 20.0
    ready_timeout: float = 60.0

    def __init__(self, name: str, home: Path, host: str, port: int) -> None:
        self.name = name
        self.home = home
        self.host = host
        self.port = port
        self.external = host not in LOCAL_HOSTS

    # --- what subclasses provide ----------------------------------------------------------
    @abstractmethod
    def _launch(self) -> subprocess.Popen[bytes]:
        """Prepare whatever is needed on disk and spawn the process."""

    @abstractmethod
    def ready(self) -> bool:
        """True once the component answers requests."""

    @property
    @abstractmethod
    def address(self) -> str: ...

    @property
    def data_dir(self) -> Path | None:
        return None

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.port,)

    @property
    def marker(self) -> str:
        """A string that appears in this component's command line (guards against pid reuse)."""
        return str(self.home)

    # --- shared behaviour -------------------------------------------------------------------
    @property
    def log_file(self) -> Path:
        return self.home / f"{self.name}.log"

    @property
    def pid_file(self) -> Path:
        return self.home / f"{self.name}.pid"

    def pid(self) -> int | None:
        """The running process's pid, or None (stale pid files are ignored)."""
        pid = proc.read_pid(self.pid_file)
        if pid is None or not proc.alive(pid):
            return None
        return pid if self.marker in proc.command_line(pid) else None

    def running(self) -> bool:
        return self.external or self.pid() is not None

    def start(self) -> bool:
        """Spawn the process unless it already runs (or is external); True when it was spawned."""
        if self.external or self.pid() is not None:
            return False
        for port in self.ports:
            owner = _owner_after_grace(port)
            if owner is not None:
                raise StackError(port_taken_message(self.name, port, owner))
        self.home.mkdir(parents=True, exist_ok=True)
        child = self._launch()
        proc.write_pid(self.pid_file, child.pid)
        proc.wait_exec_shows(child, self.marker)
        return True

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until ready; StackError (with the log tail) if it dies or times out."""
        limit = self.ready_timeout if timeout is None else timeout
        if self.external:
            what = f"{self.name} (external, {self.address})"
            proc.wait_until(what, self.ready, pid=None, log=self.log_file, timeout=limit)
            return
        pid = self.pid()
        if pid is None:
            raise StackError(
                f"{self.name} is not running (log: {self.log_file})", proc.tail(self.log_file)
            )
        proc.wait_until(self.name, self.ready, pid=pid, log=self.log_file, timeout=limit)

    def stop(self) -> None:
        """Graceful stop (stop_signal, then SIGKILL after stop_timeout); no-op when external."""
        if self.external:
            return
        proc.terminate(self.pid(), sig=self.stop_signal, timeout=self.stop_timeout)
        self.pid_file.unlink(missing_ok=True)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the component's main process (chaos testing); no-op when not running."""
        if not self.external:
            proc.send(self.pid(), sig)

    def status(self) -> ComponentStatus:
        pid = None if self.external else self.pid()
        return ComponentStatus(
            name=self.name,
            running=self.ready() if self.external else pid is not None,
            pid=pid,
            address=self.address,
            data_dir=self.data_dir,
            log_file=None if self.external else self.log_file,
            external=self.external,
        )


def _owner_after_grace(port: int, grace_s: float = 5.0) -> str | None:
    """Who listens on `port`, after giving a process that is just exiting (a kill -9 of a
    process with many threads takes a moment) time to let go of it."""
    deadline = time.monotonic() + grace_s
    owner = port_owner(port)
    while owner is not None and time.monotonic() < deadline:
        time.sleep(0.1)
        owner = port_owner(port)
    return owner

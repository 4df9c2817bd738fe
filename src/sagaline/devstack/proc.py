"""Process plumbing: spawning detached children, pid files, stopping, waiting, port owners."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import psutil

from sagaline.devstack.errors import StackError


def spawn(
    argv: Sequence[str],
    log_file: Path,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    user: int | None = None,
    group: int | None = None,
) -> subprocess.Popen[bytes]:
    """Start `argv` in its own session (it outlives the CLI), output appended to `log_file`."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            start_new_session=True,
            user=user,
            group=group,
            extra_groups=[] if user is not None else None,
        )


def read_pid(pid_file: Path) -> int | None:
    """The pid in the file's first line, or None when missing or unreadable."""
    try:
        return int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def write_pid(pid_file: Path, pid: int) -> None:
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(f"{pid}\n")


def alive(pid: int | None) -> bool:
    """True while `pid` runs. A zombie counts as gone (and our own child is reaped), except
    a zombie thread-group leader whose other threads still run (a JVM shutting down)."""
    if pid is None or pid <= 0:
        return False
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE or _live_threads(pid) > 0
    except psutil.Error:
        return False


def command_line(pid: int) -> str:
    """`pid`'s command line joined by spaces ('' when gone or not yet known)."""
    try:
        return " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return ""


def wait_exec_shows(child: subprocess.Popen[bytes], marker: str, timeout: float = 5.0) -> None:
    """Wait until the just-spawned `child`'s command line contains `marker` (or it exits).

    Popen returns once exec has begun, but the kernel fills in /proc/<pid>/cmdline a moment
    later: read at once it is sometimes empty, and a live child looks like a stale pid.
    """
    deadline = time.monotonic() + timeout
    while child.poll() is None and time.monotonic() < deadline:
        if marker in command_line(child.pid):
            return
        time.sleep(0.005)


def _live_threads(pid: int) -> int:
    """Threads of `pid` other than its (zombie) leader, from /proc."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    return len([t for t in tasks if t != str(pid)])


def send(pid: int | None, sig: int) -> None:
    """Send `sig` to `pid`, ignoring a process that is already gone."""
    if alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)  # type: ignore[arg-type]


def wait_gone(pid: int | None, timeout: float) -> bool:
    """Wait up to `timeout` seconds for `pid` to exit; True when it has."""
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def wait_reaped(pid: int | None, timeout: float = 10.0) -> None:
    """Wait while `pid` is a zombie (a killed process its parent has not reaped yet)."""
    deadline = time.monotonic() + timeout
    while pid is not None and time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return
        except psutil.Error:
            return
        time.sleep(0.05)


def terminate(pid: int | None, *, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """Stop `pid` gracefully with `sig`, then SIGKILL its whole group after `timeout`."""
    if not alive(pid):
        return
    send(pid, sig)
    if not wait_gone(pid, timeout):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # type: ignore[arg-type]
        send(pid, signal.SIGKILL)
        wait_gone(pid, 5.0)


def tail(path: Path, lines: int = 30) -> str:
    """The last `lines` lines of a log file ('' when there is none)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def wait_until(
    what: str, ready: Callable[[], bool], *, pid: int | None, log: Path, timeout: float
) -> None:
    """Poll `ready` until true; StackError with the log tail if `pid` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while not ready():
        if pid is not None and not alive(pid):
            raise StackError(f"{what} exited during start-up (log: {log})", tail(log))
        if time.monotonic() > deadline:
            raise StackError(f"{what} was not ready after {timeout:.0f} s (log: {log})", tail(log))
        time.sleep(0.2)

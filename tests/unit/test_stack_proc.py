"""Process plumbing of the stack launcher: a just-spawned child is known by its pid file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sagaline.devstack import proc
from sagaline.devstack.component import Component

pytestmark = pytest.mark.unit


class _Child:
    """A Popen stand-in: running until `exit_code` is set."""

    pid = 4242

    def __init__(self) -> None:
        self.exit_code: int | None = None

    def poll(self) -> int | None:
        return self.exit_code


def test_waits_while_a_fresh_child_command_line_is_still_empty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads = iter(["", "", "python -m sagaline serve payment"])
    seen: list[int] = []

    def command_line(pid: int) -> str:
        seen.append(pid)
        return next(reads)

    monkeypatch.setattr(proc, "command_line", command_line)
    proc.wait_exec_shows(_Child(), "sagaline serve payment")  # type: ignore[arg-type]
    assert seen == [4242, 4242, 4242]


def test_does_not_wait_for_a_child_that_has_exited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(proc, "command_line", lambda pid: pytest.fail("read a dead child"))
    child = _Child()
    child.exit_code = 1
    proc.wait_exec_shows(child, "anything", timeout=10.0)  # type: ignore[arg-type]


class _Sleeper(Component):
    """A real child process that sleeps; its marker is in its argv."""

    def __init__(self, home: Path) -> None:
        super().__init__("sleeper", home, "127.0.0.1", 0)

    @property
    def ports(self) -> tuple[int, ...]:
        return ()

    @property
    def address(self) -> str:
        return "nowhere"

    @property
    def marker(self) -> str:
        return "sleeper-marker"

    def ready(self) -> bool:
        return True

    def _launch(self) -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-c", "import time; time.sleep(30)", self.marker]
        return proc.spawn(argv, self.log_file)


def test_a_started_component_is_running_at_once(tmp_path: Path) -> None:
    # Without the wait, about 1 start in 100 read an empty cmdline on a busy 2-core machine.
    sleeper = _Sleeper(tmp_path)
    for _ in range(40):
        assert sleeper.start()
        try:
            assert sleeper.pid() is not None
        finally:
            sleeper.kill()
            assert proc.wait_gone(proc.read_pid(sleeper.pid_file), 5.0)

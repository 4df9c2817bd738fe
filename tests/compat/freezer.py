"""Holding a saga where a test wants it by freezing the services that would move it."""

from __future__ import annotations

import signal

from sagaline.devstack import Stack


class Freezer:
    """Freezes services (SIGSTOP) so a saga waits where a test wants it, and thaws them
    (SIGCONT). A consumer frozen past its session timeout rejoins its group when thawed and
    goes on from its committed offsets: late, not lost."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.frozen: list[str] = []

    def freeze(self, *names: str) -> None:
        for name in names:
            assert self.stack.component(name).pid(), f"{name} does not run here: cannot freeze"
            self.stack.kill(name, signal.SIGSTOP)
            self.frozen.append(name)

    def thaw(self, *names: str) -> None:
        for name in names or list(self.frozen):
            self.stack.kill(name, signal.SIGCONT)
            self.frozen.remove(name)

"""Keep `up` in the foreground: stop everything on Ctrl-C/SIGTERM or when a component dies."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from types import FrameType

from sagaline.devstack import proc
from sagaline.devstack.launcher import Stack


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def supervise(stack: Stack, names: list[str], say: Callable[[str], None]) -> int:
    """Watch `names` until a signal (exit 0) or a death (log tail shown, exit 1); then stop all."""
    previous = {s: signal.signal(s, _raise_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        while not (dead := stack.dead(names)):
            time.sleep(0.5)
        code = 1
        for name in dead:
            log = stack.component(name).log_file
            say(f"{name} died; last lines of {log}:\n{proc.tail(log)}")
    except _Stop as stop:
        say(f"{stop.args[0]} received")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        say("stopping the stack ...")
        stack.stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    say("stopped")
    return code

"""The disruptions: each one leaves the component running normally again when it returns."""

from __future__ import annotations

import signal
import time

from sagaline.chaos.fault_plan import FaultPoint
from sagaline.core.middleware.faults import CRASH_MARK
from sagaline.devstack import Stack, StackError
from sagaline.devstack.proc import tail


def crash_at(stack: Stack, fault: FaultPoint, timeout_s: float = 30.0) -> bool:
    """Run the fault's service with its point armed until it kills itself there (os._exit,
    as kill -9 would), then start it normally. True if it crashed there within the
    timeout."""
    service, point = fault.service, fault.point
    armed = stack.with_services(crash_points=f"{point}:1.0")
    stack.stop(service)
    component = armed.component(service)
    component.start()  # no readiness wait: it may die before it is ready
    deadline = time.monotonic() + timeout_s
    while component.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    # Dead, and by its own hand at that point (not, say, a failed start-up)?
    crashed = not component.running() and f"{CRASH_MARK}{point}" in tail(component.log_file)
    stack.stop(service)  # no-op when it is gone
    stack.start(service)
    return crashed


def kill_kafka(stack: Stack, down_s: float = 2.0) -> None:
    stack.kill("kafka", signal.SIGKILL)
    _wait_gone(stack, "kafka")
    time.sleep(down_s)
    stack.start("kafka")


def restart_postgres(stack: Stack, service: str) -> str:
    """Restart the service's database server; returns its component's name."""
    name = f"postgres-{service}"
    stack.restart(name)
    return name


def all_running(stack: Stack) -> list[str]:
    """The names of components that are not running (empty: all well)."""
    return stack.dead(stack.infra_names + stack.service_names)


def _wait_gone(stack: Stack, name: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while stack.component(name).running():
        if time.monotonic() > deadline:
            raise StackError(f"{name} did not die after SIGKILL")
        time.sleep(0.05)

"""The side-by-side bench's own lifecycle and edge cases: it stops only the dashboard it
started, and a run without a first render says why."""

from __future__ import annotations

from typing import Any

import pytest

from sagaline.bench import side_by_side

pytestmark = pytest.mark.unit


class SlowDashboard:
    """A dashboard whose process runs but which does not answer yet (busy, or starting)."""

    name = "dashboard"
    address = "http://127.0.0.1:1"

    def running(self) -> bool:
        return True

    def ready(self) -> bool:
        return False


class FakeStack:
    def __init__(self) -> None:
        self.dashboard = SlowDashboard()
        self.calls: list[str] = []

    def start_dashboard(self) -> None:
        self.calls.append("start")

    def stop(self, name: str) -> None:
        self.calls.append(f"stop {name}")


def test_a_running_dashboard_that_answers_slowly_is_not_stopped_after_the_run() -> None:
    stack: Any = FakeStack()
    with side_by_side._dashboard(stack) as base:
        assert base == SlowDashboard.address
    assert "stop dashboard" not in stack.calls


def test_a_dashboard_not_running_is_started_for_the_run_and_stopped_after() -> None:
    stack: Any = FakeStack()
    stack.dashboard.running = lambda: False
    with side_by_side._dashboard(stack):
        assert stack.calls == ["start"]
    assert stack.calls == ["start", "stop dashboard"]

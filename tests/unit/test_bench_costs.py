"""The benchmark's per-saga arithmetic: process costs and whole-machine CPU."""

from __future__ import annotations

import os

import pytest

from sagaline.bench import costs, measure

pytestmark = pytest.mark.unit


def test_costs_per_saga_are_deltas_divided_by_sagas() -> None:
    before = {"kafka": costs.Counters(10.0, 1_000), "order": costs.Counters(2.0, 50)}
    after = {"kafka": costs.Counters(10.5, 2_000), "order": costs.Counters(3.0, 550),
             "new": costs.Counters(0.1, 10)}
    per = costs.per_saga(before, after, sagas=100)
    assert per["kafka"] == {"cpu_ms": 5.0, "switches": 10.0}
    assert per["order"] == {"cpu_ms": 10.0, "switches": 5.0}
    assert per["new"] == {"cpu_ms": 1.0, "switches": 0.1}  # started during the window
    assert costs.table(per).splitlines()[-1].split() == ["total", "16.00", "15.1"]


def test_a_tree_that_lost_processes_never_goes_negative() -> None:
    per = costs.per_saga({"pg": costs.Counters(5.0, 100)}, {"pg": costs.Counters(4.0, 90)}, 10)
    assert per["pg"] == {"cpu_ms": 0.0, "switches": 0.0}


def test_our_own_process_has_counters() -> None:
    mine = costs.read(os.getpid())
    assert mine.cpu_s > 0 and mine.switches > 0
    assert costs.read(2**22 + 12_345) == costs.Counters(0.0, 0)  # no such process


def test_machine_cpu_per_saga() -> None:
    assert measure.machine_cpu(3.0, 10.0, 1_000) == {"busy_pct": 30.0, "cpu_ms_per_saga": 3.0}
    assert measure.machine_cpu(3.0, 10.0, 0)["cpu_ms_per_saga"] is None

"""The profile's per-thread costs: read from /proc's per-thread counters, named, summed by
name, divided by sagas."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagaline.bench import thread_costs
from sagaline.bench.thread_costs import TICKS_PER_S, ThreadCounters

pytestmark = pytest.mark.unit

DUMP = '''Process 2384: python -m sagaline.seed_saga.payment
Python v3.11.7 (/root/.pyenv/versions/3.11.7/bin/python3.11)

Thread 2384 (idle): "MainThread"
Thread 2445 (idle): "payment-relay"
    Condition.wait (threading.py:331)
Thread 2446 (active+gil): "payment-consumer"
    Thread.run (threading.py:982)
'''


def fake_thread(proc: Path, pid: int, tid: int, comm: str, user: int, system: int,
                switches: tuple[int, int]) -> None:
    task = proc / str(pid) / "task" / str(tid)
    task.mkdir(parents=True)
    fields = ["S"] + ["0"] * 10 + [str(user), str(system)] + ["0"] * 10
    (task / "stat").write_text(f"{tid} ({comm}) {' '.join(fields)}\n")
    (task / "status").write_text(f"Name:\t{comm}\nvoluntary_ctxt_switches:\t{switches[0]}\n"
                                 f"nonvoluntary_ctxt_switches:\t{switches[1]}\n")


def test_read_takes_each_threads_name_cpu_and_switches(tmp_path: Path) -> None:
    fake_thread(tmp_path, 7, 7, "python", 2 * TICKS_PER_S, TICKS_PER_S, (10, 1))
    fake_thread(tmp_path, 7, 9, "rdk:broker1", 0, TICKS_PER_S // 2, (4, 0))
    fake_thread(tmp_path, 7, 11, "a (b) c", 0, 0, (0, 0))  # a name with parentheses

    threads = thread_costs.read(7, tmp_path)

    assert threads[7] == ThreadCounters("python", 2.0, 1.0, 11)
    assert threads[9] == ThreadCounters("rdk:broker1", 0.0, 0.5, 4)
    assert threads[11].name == "a (b) c"


def test_python_names_come_from_py_spy_dump() -> None:
    assert thread_costs.python_names(DUMP) == {
        2384: "MainThread", 2445: "payment-relay", 2446: "payment-consumer"}


def test_per_saga_names_sums_by_name_and_divides_by_sagas() -> None:
    before = {"payment": {1: ThreadCounters("python", 1.0, 0.5, 100),
                          2: ThreadCounters("rdk:broker1", 0.0, 0.0, 0),
                          3: ThreadCounters("rdk:broker1", 0.0, 0.0, 0)}}
    after = {"payment": {1: ThreadCounters("python", 2.5, 1.0, 300),
                         2: ThreadCounters("rdk:broker1", 0.2, 0.1, 40),
                         3: ThreadCounters("rdk:broker1", 0.1, 0.0, 20),
                         4: ThreadCounters("python", 0.0, 0.2, 10)}}  # started meanwhile
    names = {"payment": {1: "payment-consumer"}}

    costs = thread_costs.per_saga(before, after, 1000, names)

    assert [(c.thread, c.threads, c.cpu_ms, c.system_ms, c.switches) for c in costs] == [
        ("payment-consumer", 1, 2.0, 0.5, 0.2),
        ("rdk:broker1", 2, 0.4, 0.1, 0.06),
        ("python", 1, 0.2, 0.2, 0.01),
    ]
    assert "payment-consumer" in thread_costs.table(costs)

"""What each thread of a process costs per saga, from the kernel's per-thread counters
(`/proc/<pid>/task/<tid>/stat` and `status`): user and system CPU and context switches.

librdkafka and the JVM name their threads for the kernel (`rdk:broker1`,
`data-plane-kafka-...`); Python threads are all `python` there, so their names come from the
interpreter itself (`python_names`, from `py-spy dump`). Threads of one name are summed:
a JVM's ten network and IO threads are one row.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

TICKS_PER_S = os.sysconf("SC_CLK_TCK")
_PY_SPY_THREAD = re.compile(r'^Thread (\d+) \([^)]*\): "(.+)"', re.MULTILINE)


@dataclass(frozen=True)
class ThreadCounters:
    name: str
    user_s: float
    system_s: float
    switches: int


def read(pid: int, proc: Path = Path("/proc")) -> dict[int, ThreadCounters]:
    """Every thread of `pid` by thread id; threads that end while read are left out."""
    out = {}
    for task in (proc / str(pid) / "task").glob("*"):
        try:
            stat = (task / "stat").read_text()
            status = (task / "status").read_text()
        except OSError:
            continue
        name, _, rest = stat.partition("(")[2].rpartition(")")
        fields = rest.split()  # fields[0] is the state; utime and stime are the 12th and 13th
        switches = sum(int(line.split()[1]) for line in status.splitlines()
                       if "ctxt_switches" in line)
        out[int(task.name)] = ThreadCounters(name, int(fields[11]) / TICKS_PER_S,
                                             int(fields[12]) / TICKS_PER_S, switches)
    return out


def python_names(py_spy_dump: str) -> dict[int, str]:
    """Thread id -> Python thread name, from the text of `py-spy dump --pid <pid>`."""
    return {int(tid): name for tid, name in _PY_SPY_THREAD.findall(py_spy_dump)}


def snapshot(pids: Mapping[str, int]) -> dict[str, dict[int, ThreadCounters]]:
    return {process: read(pid) for process, pid in pids.items()}


@dataclass(frozen=True)
class ThreadCost:
    """Per saga: what the threads of one name in one process cost."""
    process: str
    thread: str
    threads: int
    cpu_ms: float
    system_ms: float
    switches: float


def per_saga(before: Mapping[str, dict[int, ThreadCounters]],
             after: Mapping[str, dict[int, ThreadCounters]], sagas: float,
             names: Mapping[str, Mapping[int, str]]) -> list[ThreadCost]:
    """Costliest first; a thread that started during the load counts from zero."""
    sums: dict[tuple[str, str], list[float]] = {}
    for process, threads in after.items():
        for tid, end in threads.items():
            start = before.get(process, {}).get(tid, ThreadCounters(end.name, 0.0, 0.0, 0))
            name = names.get(process, {}).get(tid, end.name)
            row = sums.setdefault((process, name), [0, 0.0, 0.0, 0])
            row[0] += 1
            row[1] += end.user_s - start.user_s + end.system_s - start.system_s
            row[2] += end.system_s - start.system_s
            row[3] += end.switches - start.switches
    costs = [ThreadCost(process, name, int(n), round(cpu * 1000 / sagas, 3),
                        round(system * 1000 / sagas, 3), round(switches / sagas, 2))
             for (process, name), (n, cpu, system, switches) in sums.items()]
    return sorted(costs, key=lambda cost: -cost.cpu_ms)


def table(costs: list[ThreadCost], at_least_ms: float = 0.01) -> str:
    lines = [f"{'process':10s} {'thread':24s} {'n':>3s} {'cpu ms/saga':>12s}"
             f" {'of it system':>13s} {'switches/saga':>14s}"]
    lines += [f"{c.process:10s} {c.thread:24.24s} {c.threads:3d} {c.cpu_ms:12.3f}"
              f" {c.system_ms:13.3f} {c.switches:14.2f}"
              for c in costs if c.cpu_ms >= at_least_ms]
    return "\n".join(lines)

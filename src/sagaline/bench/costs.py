"""What each process of the stack costs per saga, from the kernel's own counters: CPU seconds
and context switches of every process tree (a Postgres server with its backends, the Kafka
JVM with its threads, a service with its librdkafka threads), read before and after a load."""

from __future__ import annotations

from dataclasses import dataclass

import psutil

from sagaline.bench import procstats, thread_costs


@dataclass(frozen=True)
class Counters:
    cpu_s: float
    switches: int


def read(pid: int) -> Counters:
    """CPU seconds (user + system) and context switches (voluntary + involuntary) of `pid`
    and its children, summed over all their threads."""
    cpu, switches = 0.0, 0
    for proc in procstats.tree(pid):
        try:
            times = proc.cpu_times()
        except psutil.Error:  # a backend that ended meanwhile
            continue
        cpu += times.user + times.system
        # every thread's switches: psutil reads only the main thread's
        switches += sum(t.switches for t in thread_costs.read(proc.pid).values())
    return Counters(cpu, switches)


def snapshot(pids: dict[str, int]) -> dict[str, Counters]:
    return {name: read(pid) for name, pid in pids.items()}


def per_saga(before: dict[str, Counters], after: dict[str, Counters],
             sagas: float) -> dict[str, dict[str, float]]:
    """CPU milliseconds and context switches per saga of each process tree. A tree whose
    processes ended meanwhile (a backend) loses their counts, so these are lower bounds."""
    out = {}
    for name, end in after.items():
        start = before.get(name, Counters(0.0, 0))
        out[name] = {"cpu_ms": round(max(0.0, end.cpu_s - start.cpu_s) * 1000 / sagas, 2),
                     "switches": round(max(0, end.switches - start.switches) / sagas, 1)}
    return out


def table(costs: dict[str, dict[str, float]]) -> str:
    lines = [f"{'process':20s} {'cpu ms/saga':>12s} {'switches/saga':>14s}"]
    lines += [f"{name:20s} {c['cpu_ms']:12.2f} {c['switches']:14.1f}"
              for name, c in costs.items()]
    total_cpu = sum(c["cpu_ms"] for c in costs.values())
    total_sw = sum(c["switches"] for c in costs.values())
    lines.append(f"{'total':20s} {total_cpu:12.2f} {total_sw:14.1f}")
    return "\n".join(lines)

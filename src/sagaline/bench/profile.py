"""Where the services spend their time under load: `py-spy record` (raw collapsed stacks) on
each service process while an open-loop load runs, summarised per thread and per function;
and, from the kernel's counters over the same seconds, the CPU and context switches per saga
of every process (see bench/costs.py), and of every thread of Kafka and of the services
(bench/thread_costs.py). py-spy cannot always tell a thread blocked in C (a poll, a socket
read) from a running one: read its shares as "where threads are", the kernel's counters as
what they cost.

    python -m sagaline.bench.profile [rate] [seconds]     # needs root (ptrace), as in CI
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sagaline import saga_choice
from sagaline.bench import costs, machine, thread_costs
from sagaline.bench.fanout import Fleet
from sagaline.bench.loadgen import plan_for
from sagaline.core.saga import Saga
from sagaline.devstack import Stack
from sagaline.settings import stack_settings


def record(rate: float, seconds: float, out_dir: Path, saga: Saga | None = None
           ) -> tuple[dict[str, Path], dict[str, dict[str, float]], str]:
    """py-spy files per service of `saga` (the chosen one when None), the costs per saga by
    process (`costs.table` prints them), and the table of costs per saga by thread."""
    saga = saga or saga_choice.load()
    settings = stack_settings()
    stack = Stack(settings)
    pids = machine.pids(stack)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    users = tuple(f"prof-{n}" for n in range(500))
    fleet = Fleet(plan_for(saga, settings, users, seconds + 4, rate=rate,
                           max_requests=int(rate * (seconds + 4))), 1)
    time.sleep(max(0.0, fleet.start_at - time.time()) + 2)  # let the load settle
    out_dir.mkdir(parents=True, exist_ok=True)
    services = saga.names
    files = {name: out_dir / f"{name}.txt" for name in services}
    watched = {**pids, **{f"loadgen-{n}": pid for n, pid in enumerate(fleet.pids)}}
    threaded = {name: pids[name] for name in ("kafka", *services)}
    names = {name: thread_costs.python_names(_dump(spy, pids[name])) for name in services}
    before, threads_before = costs.snapshot(watched), thread_costs.snapshot(threaded)
    procs = [subprocess.Popen([spy, "record", "--pid", str(pids[name]), "--duration",
                               str(int(seconds)), "--rate", "50", "--nonblocking", "--threads",
                               "--format", "raw", "--output", str(files[name])],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for name in services]
    for p in procs:
        p.wait(timeout=seconds + 60)
    after, threads_after = costs.snapshot(watched), thread_costs.snapshot(threaded)
    fleet.collect(timeout_s=seconds + 60)
    by_thread = thread_costs.per_saga(threads_before, threads_after, rate * seconds, names)
    return files, costs.per_saga(before, after, rate * seconds), thread_costs.table(by_thread)


def _dump(spy: str, pid: int) -> str:
    """`py-spy dump` of `pid`: its Python threads' names and ids."""
    return subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, text=True,
                          timeout=30).stdout


def summarise(path: Path, top: int = 25) -> str:
    """Share of samples per thread, and per function (inclusive) across all threads."""
    threads: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        n = int(count)
        total += n
        threads[frames[0]] += n
        for frame in set(frames[1:]):
            functions[frame] += n
    lines = [f"== {path.stem}: {total} samples"]
    lines += [f"  {100 * n / total:5.1f}%  {t}" for t, n in threads.most_common(8)]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in functions.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    rate = float(sys.argv[1]) if len(sys.argv) > 1 else 200.0
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    out = Path("docs/bench/profile")
    files, process_costs, thread_table = record(rate, seconds, out)
    cost_table = costs.table(process_costs)
    (out / "costs.txt").write_text(f"{rate:g} sagas/s offered, {seconds:g} s\n{cost_table}\n\n"
                                   f"{thread_table}\n")
    print(cost_table, thread_table, sep="\n\n")
    for file in files.values():
        print(summarise(file))

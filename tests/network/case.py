"""One network case: steady load, a fault on one link for a while, the heal, and then what
every case must show: every accepted saga final, the audit clean (dead letters failing it),
no consumer behind, the outboxes drained, every service ready again. The numbers for
docs/performance.md ("On a bad network") are printed and, with NETWORK_RESULTS set, appended
there as JSON lines."""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sagaline import audit, saga_choice
from sagaline.chaos.load import SagaStream
from sagaline.devstack import Stack
from sagaline.ops import targets
from tests.network import observe

SAGA = saga_choice.load()
RATE_PER_S = 4.0
SETTLE_S = 120.0
AFTER_S = 5.0


@dataclass
class CaseResult:
    case: str
    fault_s: float
    accepted: int = 0
    retries: int = 0
    given_up: int = 0
    during: tuple[float, float, int] = (math.nan, math.nan, 0)  # p50 s, p99 s, sagas
    after: tuple[float, float, int] = (math.nan, math.nan, 0)
    ready_again_s: float | None = None
    backlog_final_s: float | None = None  # heal -> every saga accepted before it final
    all_final_s: float | None = None
    probe_during: dict[str, int] = field(default_factory=dict)
    logged: dict[str, int] = field(default_factory=dict)  # by the faulted service

    def record(self) -> None:
        line = json.dumps(asdict(self))
        print("network case:", line)
        if path := os.environ.get("NETWORK_RESULTS"):
            with open(path, "a") as out:
                out.write(line + "\n")


@dataclass
class Window:
    """The wall-clock times of one case."""

    fault: float = 0.0
    healed: float = 0.0
    ended: float = 0.0
    more_accepted: list[str] = field(default_factory=list)  # by the case's own load
    sagas: list[observe.Finished] = field(default_factory=list)  # read after the case


@contextmanager
def under_load(stack: Stack, case: str, watched: str,
               rate_per_s: float = RATE_PER_S) -> Iterator[tuple[Window, observe.ReadyProbe]]:
    """Load and a probe of `watched`'s /ready around the block (which sets the window's
    fault and heal times); then the checks every case ends with."""
    s = stack.settings
    started = observe.now_utc()
    stream = SagaStream(targets.base_url(s, SAGA, SAGA.owner), rate_per_s, SAGA).start()
    probe = observe.ReadyProbe(targets.base_url(s, SAGA, watched))
    log = observe.LogTail(stack.component(watched).log_file)
    window = Window()
    _until(lambda: len(stream.counts.accepted) >= 5, 30, "the first sagas accepted")
    backlog_s = None
    try:
        yield window, probe
        # The recovery: until every saga accepted before the heal is final, under load.
        before = {*list(stream.counts.accepted), *window.more_accepted}
        backlog_s = observe.all_final_after(s, SAGA, started, before, window.healed, SETTLE_S)
        # At least as much load after the heal as before the fault, for the "after" numbers.
        time.sleep(max(0.0, AFTER_S - (time.time() - window.healed)))
    finally:
        counts = stream.stop()
        window.ended = time.time()
    accepted = {*counts.accepted, *window.more_accepted}
    result = CaseResult(case, window.healed - window.fault, len(accepted), counts.retries,
                        counts.given_up)
    result.backlog_final_s = backlog_s
    result.ready_again_s = probe.ready_again_after(window.healed, SETTLE_S)
    probe.stop()
    result.all_final_s = observe.all_final_after(s, SAGA, started, accepted,
                                                 window.healed, SETTLE_S)
    sagas = window.sagas = observe.sagas_since(s, SAGA, started)
    result.during = observe.percentiles(sagas, window.fault, window.healed)
    result.after = observe.percentiles(sagas, window.healed, window.ended)
    said = probe.between(window.fault, window.healed)
    result.probe_during = {k: said.count(k) for k in sorted(set(said))}
    result.logged = log.summary()
    result.record()
    ends_well(stack, started, result)


def ends_well(stack: Stack, started: datetime, result: CaseResult) -> None:
    assert result.given_up == 0, f"{result.given_up} sagas never accepted"
    assert result.backlog_final_s is not None, "sagas of the fault not final after the heal"
    assert result.all_final_s is not None, "accepted sagas not final after the heal"
    assert result.ready_again_s is not None, "the faulted service never ready again"
    report = audit.run(stack.settings, since=started, wait_s=60, dead_letters_fail=True)
    assert report.ok, report.text()  # with no consumer lag left (the audit's lag check)
    assert not any(observe.unpublished(stack.settings, SAGA).values())
    for name in stack.service_names:
        stack.wait_ready(name, timeout=30)  # every consumer working: none fenced or stuck


def hold(seconds: float) -> None:
    """The fault's duration (not a wait for a signal: the fault is held this long)."""
    time.sleep(seconds)


def _until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {timeout_s:.0f} s"
        time.sleep(0.1)

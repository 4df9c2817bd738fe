"""What the generated tests play on a saga: one saga started by the test's `start`, carried
to its end in a `SagaHarness`, then checked.

The scenarios: it completes (nothing fails); each step but the owner refuses it (the
settings the test names for that step's failure, e.g. an injected failure rate of 1); and,
with a deadline, each step on the saga's way to success is down until the deadline passed.
Between them they reach every topic of the saga, which is how a crash case finds where to
crash.

After each: nothing waits, nothing was dead-lettered, the saga is final with the scenario's
outcome (success when it completes, the cancelled status otherwise), and the test's
invariants hold.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sagaline.core.saga import Saga
from sagaline.testing.crashes import CONSUMER_POINTS, RELAY_POINTS, CrashAt
from sagaline.testing.harness import Overrides, SagaHarness

Start = Callable[[SagaHarness], str]  # starts one saga; returns its id
Status = Callable[[SagaHarness, str], str | None]  # the owner's status of that saga
Invariants = Callable[[SagaHarness], None]  # raises AssertionError when one breaks
COMPLETES = "completes"


@dataclass(frozen=True)
class Scenario:
    name: str
    outcome: str  # the saga's final status
    overrides: Overrides = field(default_factory=dict)
    down: str | None = None  # the step down until the deadline passed


def refused_by(step: str) -> str:
    return f"{step} refuses"


def down_past_the_deadline(step: str) -> str:
    return f"{step} down past the deadline"


@dataclass
class SagaUnderTest:
    """A saga and what its generated tests need to know: how to start one saga (`start`),
    read its status (`status`), check its invariants; for each step but the owner, its
    settings under which it refuses (`failures`; None: it never refuses); the saga
    deadline (None: it has none); settings and `parts` options for every run."""

    saga: Saga
    start: Start
    status: Status
    invariants: Invariants = lambda _h: None
    failures: Mapping[str, Mapping[str, Any] | None] = field(default_factory=dict)
    deadline_s: float | None = None
    settings_overrides: Overrides = field(default_factory=dict)
    options: Overrides = field(default_factory=dict)
    _dry: dict[str, SagaHarness] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        steps = set(self.saga.names) - {self.saga.owner}
        if unknown := set(self.failures) - steps:
            raise KeyError(f"failures of {sorted(unknown)}: not steps of {self.saga.name} "
                           f"other than its owner ({sorted(steps)})")

    @property
    def steps(self) -> list[str]:
        """The steps that may refuse a saga: every service but the owner, in order."""
        return [n for n in self.saga.names if n != self.saga.owner]

    def scenarios(self) -> list[Scenario]:
        statuses = self.saga.statuses
        found = [Scenario(COMPLETES, statuses.final[0])]
        found += [Scenario(refused_by(step), statuses.cancelled, {step: self.failure_of(step)})
                  for step in self.steps if self.failures.get(step) is not None]
        if self.deadline_s is not None:
            found += [Scenario(down_past_the_deadline(step), statuses.cancelled, down=step)
                      for step in self.saga.remaining(statuses.initial)]
        return found

    def scenario(self, name: str) -> Scenario:
        return next(s for s in self.scenarios() if s.name == name)

    def failure_of(self, step: str) -> Mapping[str, Any]:
        """The step's settings under which it refuses every saga."""
        if step not in self.failures:
            raise AssertionError(f"say how {step} refuses a saga: failures={{{step!r}: "
                                 "{its setting: value}} (or None if it never does)")
        return self.failures[step] or {}

    def play(self, scenario: Scenario, *, crash: CrashAt | None = None,
             chance: random.Random | None = None, redeliver: bool = False) -> SagaHarness:
        """The scenario from the start, under the faults given; then its checks."""
        h = SagaHarness(self.saga, settings_overrides=_merged(self.settings_overrides,
                                                              scenario.overrides),
                        options=self.options, chance=chance, redeliver=redeliver)
        if crash is not None:
            h.crash_at(crash.service, crash.point, crash.topic)
        saga_id = self.start(h)
        if scenario.down is not None and self.deadline_s is not None:
            h.run(paused=[scenario.down])
            h.advance(self.deadline_s)
        h.run()
        self.check(h, saga_id, scenario)
        return h

    def check(self, h: SagaHarness, saga_id: str, scenario: Scenario) -> None:
        assert h.dead_letters() == [], f"dead-lettered: {h.dead_letters()}"
        status = self.status(h, saga_id)
        assert status == scenario.outcome, (
            f"{scenario.name}: saga {saga_id} ended {status}, not {scenario.outcome}")
        self.invariants(h)

    def reaching(self, case: CrashAt) -> Scenario:
        """The first scenario in which the crash's work happens."""
        for scenario in self.scenarios():
            if scenario.name not in self._dry:  # played once without faults, then kept
                self._dry[scenario.name] = self.play(scenario)
            h = self._dry[scenario.name]
            done = (h.produced(case.service) if case.point in RELAY_POINTS
                    else h.handled(case.service))
            if case.topic in done:
                return scenario
        raise AssertionError(f"no scenario reaches {case}: give the step that emits "
                             f"{case.topic} a way to (`failures`, `deadline_s`)")


def crash_cases(saga: Saga) -> list[CrashAt]:
    """Each service crashed at each consumer point in each of its handlers, and at each
    relay point in a batch of each topic it produces."""
    return [CrashAt(s.name, point, topic) for s in saga.services
            for point in CONSUMER_POINTS for topic in s.consumed_topics] + [
        CrashAt(s.name, point, topic) for s in saga.services
        for point in RELAY_POINTS for topic in s.produces]


def _merged(*layers: Overrides) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for layer in layers:
        for service, values in layer.items():
            merged.setdefault(service, {}).update(values)
    return merged

"""Generated tests for any declared saga, as a pytest class to put in a test module:

    from sagaline.testing.generated import saga_tests

    TestMySaga = saga_tests(
        SAGA,
        start=lambda h: h.post("/orders", {...}).json()["orderId"],
        status=lambda h, saga_id: ...,  # the owner's status of that saga, from its fake
        invariants=my_checks,  # (harness) -> None; AssertionError when one breaks
        failures={"payment": {"payment_failure_rate": 1.0}, ...},  # how each step refuses
        deadline_s=61,  # past the saga deadline (None: no deadline)
    )

The tests, each on a fresh `SagaHarness` (see sagaline.testing.scenarios for what is
played and checked):
- every handler crashed at each of the consumer's fault points, and every produced topic at
  each of the relay's, then the service restarted and what was lost delivered again;
- every event delivered twice;
- the events reordered within what Kafka allows (per-partition order kept), over `seeds`
  random orders per scenario;
- the compensation after each step: each step but the owner refuses in turn.
Each ends as the same scenario ends without faults (the saga final: successful when nothing
refused it, else cancelled), with nothing dead-lettered and the invariants holding.

Needs pytest (a test dependency, not one of the package's).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest

from sagaline.core.saga import Saga
from sagaline.testing.crashes import CrashAt
from sagaline.testing.harness import Overrides
from sagaline.testing.scenarios import (
    Invariants,
    SagaUnderTest,
    Start,
    Status,
    crash_cases,
    refused_by,
)


def saga_tests(saga: Saga, *, start: Start, status: Status,
               invariants: Invariants = lambda _h: None,
               failures: Mapping[str, Mapping[str, Any] | None] | None = None,
               deadline_s: float | None = None, settings_overrides: Overrides | None = None,
               options: Overrides | None = None, seeds: int = 10) -> type:
    """A pytest class of the saga's generated tests (assign it to a `Test...` name)."""
    under_test = SagaUnderTest(saga, start, status, invariants, dict(failures or {}),
                               deadline_s, dict(settings_overrides or {}), dict(options or {}))
    scenarios = [s.name for s in under_test.scenarios()]

    class GeneratedSagaTests:
        under = under_test

        @pytest.mark.parametrize("case", crash_cases(saga), ids=str)
        def test_a_crash_then_redelivery(self, case: CrashAt) -> None:
            scenario = under_test.reaching(case)
            h = under_test.play(scenario, crash=case)
            assert h.crashes == [case], f"{scenario.name}: the crash {case} did not happen"

        @pytest.mark.parametrize("scenario", scenarios)
        def test_every_event_delivered_twice(self, scenario: str) -> None:
            h = under_test.play(under_test.scenario(scenario), redeliver=True)
            counts = [n for group in h.broker.groups.values() for n in group.delivered.values()]
            assert counts and min(counts) >= 2, f"deliveries per message: {counts}"

        @pytest.mark.parametrize("seed", range(seeds))
        @pytest.mark.parametrize("scenario", scenarios)
        def test_events_reordered(self, scenario: str, seed: int) -> None:
            under_test.play(under_test.scenario(scenario), chance=random.Random(seed))

        @pytest.mark.parametrize("step", under_test.steps)
        def test_the_compensation_after_each_step(self, step: str) -> None:
            if step in under_test.failures and under_test.failures[step] is None:
                pytest.skip(f"{step} never refuses a saga")
            under_test.failure_of(step)  # says how to make it refuse when nobody did
            under_test.play(under_test.scenario(refused_by(step)))

    GeneratedSagaTests.__name__ = GeneratedSagaTests.__qualname__ = f"Test{_camel(saga.name)}"
    return GeneratedSagaTests


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.replace("-", "_").split("_")) + "Saga"

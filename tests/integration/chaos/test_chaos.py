"""The chaos tier: under a steady stream of sagas, every declared service is killed at each
of its fault points, Kafka is killed -9 and restarted, and each Postgres server restarts;
afterwards the auditor finds every accepted saga final, nothing lost or doubled, no dead
letter at all (nothing here sends poison: a dead-lettered valid event is lost work, even if
the deadline later settles its saga), and every component running without a manual
restart."""

from __future__ import annotations

import json

import pytest

from sagaline import saga_choice
from sagaline.chaos import run as chaos_run
from sagaline.chaos.fault_plan import fault_points
from sagaline.devstack import Stack

pytestmark = pytest.mark.chaos


def test_nothing_is_lost_or_doubled_through_crashes_and_restarts(services: Stack) -> None:
    saga = saga_choice.load()
    summary = chaos_run.run(services, rounds=1, rate_per_s=20, saga=saga)
    print("chaos summary:", json.dumps(summary.as_dict(), indent=2))
    assert summary.report is not None
    assert summary.ok, summary.report.text()
    assert summary.report.counts["dead_letters"] == 0, summary.report.text()
    assert summary.sagas_accepted > 100
    assert not summary.missed_kills, f"fault points never reached: {summary.missed_kills}"
    assert set(summary.kills) == {str(point) for point in fault_points(saga)}
    assert set(summary.restarts) == {"kafka (kill -9)",
                                     *(f"postgres-{name}" for name in saga.names)}

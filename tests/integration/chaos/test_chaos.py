"""The chaos tier: under a steady stream of orders, every service is killed at every fault
point, Kafka is killed -9 and restarted, and each Postgres server restarts; afterwards the
auditor finds every accepted order final, no money or stock lost or doubled, and every
component running without a manual restart."""

from __future__ import annotations

import json

import pytest

from sagaline import chaos  # noqa: F401  (the package docstring says what this tier is
from sagaline.chaos import run as chaos_run
from sagaline.devstack import Stack

pytestmark = pytest.mark.chaos


def test_nothing_is_lost_or_doubled_through_crashes_and_restarts(services: Stack) -> None:
    summary = chaos_run.run(services, rounds=1, rate_per_s=20)
    print("chaos summary:", json.dumps(summary.as_dict(), indent=2))
    assert summary.report is not None
    assert summary.ok, summary.report.text()
    assert summary.orders_accepted > 100
    assert not summary.missed_kills, f"fault points never reached: {summary.missed_kills}"

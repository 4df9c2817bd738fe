"""`--wait`: re-audit until the saga is at rest, through unreachable sources, within time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sagaline.audit import Finding, Report, SourceUnavailable
from sagaline.audit import auditor as runner
from sagaline.audit.evaluate import AuditOptions
from sagaline.core.saga import Saga
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import SystemSettings

pytestmark = pytest.mark.unit

BROKEN = Finding("k", "s", "m")
SYSTEM = SystemSettings.model_construct()  # not read: each audit is replayed


def replay(monkeypatch: pytest.MonkeyPatch, outcomes: list[Report | Exception]) -> list[int]:
    """Make each audit return (or raise) the next outcome; returns a call counter."""
    calls: list[int] = []
    queue: Iterator[Report | Exception] = iter(outcomes)

    def once(saga: Saga, _settings: SystemSettings, _options: AuditOptions) -> Report:
        assert saga is SAGA
        calls.append(1)
        outcome = next(queue)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(runner, "audit_once", once)
    monkeypatch.setattr(runner, "RECHECK_EVERY_S", 0.0)
    return calls


def test_without_wait_one_audit_is_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = replay(monkeypatch, [Report(violations=[BROKEN])])
    assert not runner.audit(SYSTEM, AuditOptions(), wait_s=0, saga=SAGA).ok and len(calls) == 1


def test_wait_goes_on_while_orders_are_in_flight_or_broken(
        monkeypatch: pytest.MonkeyPatch) -> None:
    in_flight = Report(counts={"in_flight": 3})
    calls = replay(monkeypatch, [in_flight, Report(violations=[BROKEN]), Report()])
    report = runner.audit(SYSTEM, AuditOptions(), wait_s=30, saga=SAGA)
    assert report.idle and len(calls) == 3


def test_wait_rides_out_an_unreachable_source(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = replay(monkeypatch, [SourceUnavailable("Kafka: down"), Report()])
    assert runner.audit(SYSTEM, AuditOptions(), wait_s=30, saga=SAGA).ok and len(calls) == 2


def test_when_time_runs_out_the_last_answer_stands(monkeypatch: pytest.MonkeyPatch) -> None:
    replay(monkeypatch, [SourceUnavailable("Kafka: down")])
    with pytest.raises(SourceUnavailable):
        runner.audit(SYSTEM, AuditOptions(), wait_s=0, saga=SAGA)

"""The chart of finished sagas stays bounded whatever the reasons: each distinct CANCELLED
reason was a line of its own, kept for ever and sent to every page twice a second. Now the
most frequent outcomes of the chart's window are lines, the rest are summed as OTHER, and an
outcome with nothing in the window is no line at all."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest

from sagaline.dashboard import core_queries, order_queries, readiness
from sagaline.dashboard.charts import Charts
from sagaline.dashboard.collector import Collector
from sagaline.settings import DashboardSettings
from tests.unit.test_dashboard_declared import FOUR, FakeDatabases, FakeKafka

pytestmark = pytest.mark.unit
NOW = 1_700_000_010.4
MOST_LINES = 10  # whatever the exact number drawn, it is a few
HOSTILE = "<script>alert(1)</script>"


def reasons(count: int, prefix: str = "r", length: int = 100) -> dict[str, int]:
    """`count` distinct CANCELLED reasons, one saga each, long and hostile."""
    return {f"CANCELLED {prefix}{n} {HOSTILE}".ljust(length, "x"): 1 for n in range(count)}


def finished(charts: Charts) -> dict[str, Any]:
    columns: dict[str, Any] = charts.columns()["finished"]
    return columns


def by_name(columns: dict[str, Any]) -> dict[str, list[float]]:
    return dict(zip(columns["names"], columns["values"], strict=True))


def test_thousands_of_reasons_in_a_second_are_a_few_lines_that_sum_to_the_same() -> None:
    charts = Charts()
    second = int(NOW)
    outcomes = {"CONFIRMED": 500, "CANCELLED INSUFFICIENT_FUNDS": 100, **reasons(5000)}
    charts.put_finished(1, second, NOW, {second: {"outcomes": outcomes}})
    lines = by_name(finished(charts))
    assert len(lines) <= MOST_LINES
    assert lines["CONFIRMED"] == [500.0]
    assert lines["CANCELLED INSUFFICIENT_FUNDS"] == [100.0]
    assert "OTHER" in lines
    assert sum(v[0] for v in lines.values()) == sum(outcomes.values())


def test_new_reasons_every_second_never_add_up() -> None:
    charts = Charts()
    for s in range(300):  # five minutes (the window is two), 50 new reasons a second
        second = int(NOW) + s
        charts.put_finished(1, second, second + 0.4,
                            {second: {"outcomes": {"CONFIRMED": 3, **reasons(50, f"s{s}-")}}})
        assert len(finished(charts)["names"]) <= MOST_LINES
    lines = by_name(finished(charts))
    assert lines.pop("CONFIRMED")[-1] == 3.0
    assert "OTHER" in lines and sum(v[-1] for v in lines.values()) == 50.0


def test_an_outcome_with_nothing_in_the_window_is_no_line() -> None:
    charts = Charts()
    second = int(NOW)
    charts.put_finished(1, second, NOW, {second: {"outcomes": {"CANCELLED ONCE": 1,
                                                               "CONFIRMED": 2}}})
    assert "CANCELLED ONCE" in finished(charts)["names"]
    for s in range(1, 200):  # past the chart's window: only CONFIRMED since
        charts.put_finished(1, second + s, NOW + s, {second + s: {"outcomes": {"CONFIRMED": 1}}})
    assert finished(charts)["names"] == ["CONFIRMED"]


def test_the_snapshot_stays_small_with_thousands_of_reasons(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readiness, "ready", lambda urls, client: dict.fromkeys(urls, True))
    monkeypatch.setattr(order_queries, "in_flight", lambda conn, not_final: {})
    monkeypatch.setattr(order_queries, "not_moving", lambda conn, not_final, idle_s, limit: [])
    monkeypatch.setattr(core_queries, "backlog", lambda conn: {"pending": 0, "oldest_s": None})
    monkeypatch.setattr(core_queries, "pending_for", lambda conn, keys: {})
    refreshes = iter(range(1_000_000))

    def read(conn: object, since: float) -> dict[int, dict[str, Any]]:
        """Each refresh, every second of the window has 2000 reasons never seen before."""
        n = next(refreshes)
        return {s: {"outcomes": {"DONE": 1, **reasons(2000, f"{n}-{s}-")}, "latency": None}
                for s in range(int(since), int(time.time()) + 1)}

    monkeypatch.setattr(order_queries, "finished", read)
    collector = Collector(DashboardSettings.model_construct(), FOUR, FakeDatabases(FOUR.names),
                          kafka=FakeKafka({}))
    try:
        for generation in (1, 1, 2, 2):  # a backfill of 30 s, a recount, and again
            collector.slow.refresh(generation)
            collector.refresh(generation)
            snapshot = orjson.loads(collector.published.data)
            assert len(snapshot["charts"]["finished"]["names"]) <= MOST_LINES
            assert len(collector.published.data) < 32_000
    finally:
        collector.slow.close()


def test_a_long_reason_is_cut_in_the_legend() -> None:
    charts = Charts()
    second = int(NOW)
    charts.put_finished(1, second, NOW, {second: {"outcomes": {"CANCELLED " + "y" * 10_000: 2}}})
    [name] = finished(charts)["names"]
    assert name.startswith("CANCELLED yyy") and len(name) <= 100

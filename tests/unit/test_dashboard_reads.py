"""What keeps a watched dashboard cheap: the charts read only their latest seconds, a slow
refresh backs off (never past a second), Kafka and readiness are read on their own cadence,
the stuck query runs only for stuck candidates, and a settled saga's timeline is kept."""

from __future__ import annotations

from typing import Any

import pytest

from sagaline.dashboard import core_queries
from sagaline.dashboard.cache import TtlCache
from sagaline.dashboard.charts import BACKFILL_S, RECOUNT_S, Charts
from sagaline.dashboard.kafka_view import newest
from sagaline.dashboard.series import Series
from sagaline.dashboard.slow_reads import SlowReads
from sagaline.dashboard.watchers import MAX_INTERVAL_S, backed_off
from sagaline.ops.dlq import DeadLetter
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit
NOW = 1_700_000_010.4


def test_charts_fill_back_once_per_viewer_then_read_only_the_latest_seconds() -> None:
    charts = Charts()
    since = charts.finished_since(1, NOW)
    assert since == int(NOW - BACKFILL_S)
    read = {int(NOW) - 1: {"outcomes": {"CONFIRMED": 7}, "latency": {"p50": 0.02, "p95": 0.05,
                                                                      "p99": 0.08}}}
    charts.put_finished(1, since, NOW, read)
    assert charts.finished_since(1, NOW + 0.5) == int(NOW + 0.5 - RECOUNT_S)
    assert charts.finished_since(2, NOW + 60) == int(NOW + 60 - BACKFILL_S)  # came back
    finished, latency = charts.columns()["finished"], charts.columns()["latency"]
    assert finished["t"] == list(range(int(since), int(NOW) + 1))
    assert finished["names"] == ["CONFIRMED"]
    assert finished["values"][0][-2:] == [7.0, 0.0]  # a second with none counts 0
    assert latency["values"][0][-2:] == [0.02, None]  # ... and has no latency


def test_a_later_read_of_a_second_replaces_its_counts() -> None:
    charts = Charts()
    second = int(NOW)
    charts.put_finished(1, second, NOW, {second: {"outcomes": {"CONFIRMED": 3}}})
    charts.put_finished(1, second, NOW, {second: {"outcomes": {"CONFIRMED": 5,
                                                               "CANCELLED TIMEOUT": 1}}})
    finished = charts.columns()["finished"]
    assert dict(zip(finished["names"], (v[-1] for v in finished["values"]), strict=True)) == {
        "CONFIRMED": 5.0, "CANCELLED TIMEOUT": 1.0}


@pytest.mark.parametrize(("took_s", "interval_s"), [(0.01, 0.5), (0.3, 0.6), (0.9, 1.0),
                                                    (5.0, MAX_INTERVAL_S)])
def test_a_slow_refresh_backs_off_but_never_past_a_second(took_s: float,
                                                          interval_s: float) -> None:
    assert backed_off(0.5, took_s) == pytest.approx(interval_s)


def test_a_longer_refresh_setting_is_kept() -> None:
    assert backed_off(2.0, 0.01) == 2.0


def letter(partition: int, offset: int, failed_at: float | None) -> DeadLetter:
    headers = {"dlq-failed-at": str(failed_at)} if failed_at is not None else {}
    return DeadLetter("dlq.payment", partition, offset, "k", b"v", headers)


def test_the_newest_letters_are_kept_whatever_their_partition() -> None:
    # Read partition by partition: a busy last partition must not hide a new letter on 0.
    letters = [letter(0, 0, 50.0), letter(0, 1, 300.0),
               *(letter(5, n, 100.0 + n) for n in range(10)), letter(3, 0, None)]
    kept = newest(letters, 3)
    assert [(d.partition, d.offset) for d in kept] == [(5, 8), (5, 9), (0, 1)]


class CountingKafka:
    def __init__(self) -> None:
        self.calls: dict[str, int] = {"lag": 0, "letters": 0}
        self.looked_again: list[bool] = []

    def lag(self) -> dict[str, int]:
        self.calls["lag"] += 1
        return {"payment": 0}

    def dead_letters(self, look_again: bool = False) -> dict[str, list[DeadLetter]]:
        self.calls["letters"] += 1
        self.looked_again.append(look_again)
        return {}


def test_lag_and_readiness_on_their_own_cadence_and_all_at_once_for_a_new_viewer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("sagaline.dashboard.slow_reads.time.monotonic", lambda: clock[0])
    ready: list[int] = []

    def answer(urls: object, client: object) -> dict[str, bool]:
        ready.append(1)
        return {"payment": True}

    monkeypatch.setattr("sagaline.dashboard.readiness.ready", answer)
    kafka = CountingKafka()
    reads = SlowReads(kafka, {"payment": "x"}, SAGA, None, Series())  # type: ignore[arg-type]
    try:
        for _ in range(6):  # a second apart, one viewer
            reads.refresh(1)
            clock[0] += 1.0
        assert kafka.calls == {"lag": 2, "letters": 6}  # lag every 5 s, letters every time
        assert len(ready) == 2  # readiness every 3 s
        reads.refresh(2)  # a viewer came back: everything, and the partitions anew
        assert kafka.calls["lag"] == 3 and len(ready) == 3
        assert kafka.looked_again == [True, *[False] * 5, True]
        assert reads.state.ready == {"payment": True} and reads.state.generation == 2
    finally:
        reads.close()


class RecordingConnection:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def execute(self, query: str, params: Any = None) -> RecordingConnection:
        self.statements.append(query)
        return self

    def fetchall(self) -> list[Any]:
        return []


def test_no_stuck_candidates_no_query_for_their_outbox_rows() -> None:
    conn = RecordingConnection()
    assert core_queries.pending_for(conn, []) == {}  # type: ignore[arg-type]
    assert conn.statements == []
    core_queries.pending_for(conn, ["k"])  # type: ignore[arg-type]
    assert len(conn.statements) == 1


def test_a_value_that_cannot_change_is_kept_longer() -> None:
    cache, calls = TtlCache(ttl_s=0.0), []

    def read() -> str:
        calls.append(1)
        return "settled"

    for _ in range(3):
        assert cache.get("k", read, keep_s=lambda value: 60.0) == "settled"
    assert len(calls) == 1
    cache.get("other", read)
    cache.get("other", read)
    assert len(calls) == 3  # ttl 0: read each time
